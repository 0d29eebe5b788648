//go:build !(js && wasm)

package client

import (
	"context"
	"errors"
)

// errUnsupported is returned on platforms without fetch.
var errUnsupported = errors.New("client: only supported on js/wasm")

// unsupported is the transport of platforms without fetch.
type unsupported struct{}

var defaultTransport transport = unsupported{}

func (unsupported) resolve(string) (string, error) { return "", errUnsupported }

func (unsupported) roundTrip(context.Context, *request) (*response, error) {
	return nil, errUnsupported
}

func (unsupported) warn(string) {}
