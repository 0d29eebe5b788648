// Helper processes: start, stop within a bound, free ports.

package browser

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// stopProcess asks cmd's process group to stop (SIGTERM), kills it when it
// has not exited within grace, and waits for it. cmd must have been started
// with setpgid, so helpers the browser forked stop too.
func stopProcess(cmd *exec.Cmd, done <-chan struct{}, grace time.Duration) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	pgid := -cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-done
	}
	// The group may outlive its leader for a moment: make sure nothing of
	// it is left behind.
	_ = syscall.Kill(pgid, syscall.SIGKILL)
}

// startGroup starts cmd in its own process group and returns a channel
// closed when it has exited.
func startGroup(cmd *exec.Cmd) (<-chan struct{}, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	return done, nil
}

// freePort returns a loopback TCP port that was free a moment ago. A
// program told to listen on it may still lose a race for it: callers retry.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("browser: free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// removeDir deletes a profile directory. Browser helper processes may
// outlive the browser by a moment and write a file into it, which makes a
// single RemoveAll fail with the directory not empty: retry for a bounded
// while.
func removeDir(dir string) {
	deadline := time.Now().Add(5 * time.Second)
	for os.RemoveAll(dir) != nil && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
}

// errExited reports a helper that exited before it was ready.
func errExited(name string, stderr *tailBuffer) error {
	return errors.New("browser: " + name + " exited early: " + strconv.Quote(stderr.String()))
}
