// Xvfb: a private X display for a browser that needs one (WebKitGTK).

package browser

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

const xvfbExec = "Xvfb"

// xvfb is a running X server.
type xvfb struct {
	cmd     *exec.Cmd
	done    <-chan struct{}
	display string // ":N"
}

// startXvfb starts an X server on a display number it picks itself
// (-displayfd), so concurrent tests never race for one.
func startXvfb(ctx context.Context) (*xvfb, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("browser: xvfb pipe: %w", err)
	}
	defer r.Close()
	stderr := &tailBuffer{}
	x := &xvfb{cmd: exec.Command(xvfbExec, "-displayfd", "3", "-screen", "0", "1280x900x24", "-nolisten", "tcp")}
	x.cmd.ExtraFiles = []*os.File{w} // fd 3
	x.cmd.Stdout, x.cmd.Stderr = stderr, stderr
	x.done, err = startGroup(x.cmd)
	w.Close()
	if err != nil {
		return nil, fmt.Errorf("browser: start %s: %w", xvfbExec, err)
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if n == "" {
			x.stop()
			return nil, errExited(xvfbExec, stderr)
		}
		x.display = ":" + n
		return x, nil
	case <-ctx.Done():
		x.stop()
		return nil, fmt.Errorf("browser: %s did not start: %w", xvfbExec, ctx.Err())
	case <-time.After(30 * time.Second):
		x.stop()
		return nil, fmt.Errorf("browser: %s named no display within 30s: %s", xvfbExec, stderr)
	}
}

func (x *xvfb) stop() {
	if x != nil {
		stopProcess(x.cmd, x.done, 3*time.Second)
	}
}
