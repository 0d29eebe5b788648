//go:build !(js && wasm)

package client

import (
	"context"
	"errors"
	"testing"
)

func TestConnectUnsupportedPlatform(t *testing.T) {
	if _, err := Connect(context.Background(), testURL, nil); !errors.Is(err, errUnsupported) {
		t.Errorf("Connect = %v, want errUnsupported", err)
	}
}
