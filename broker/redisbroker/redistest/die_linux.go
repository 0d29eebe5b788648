package redistest

import (
	"os/exec"
	"syscall"
)

// dieWithTest makes the kernel kill redis-server when the test process
// dies, so a test binary killed by a timeout leaves no server behind.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
