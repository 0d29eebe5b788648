package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startCommand runs the command with args on a free loopback port until the
// test ends, and returns its address and its log.
func startCommand(t *testing.T, args ...string) (string, *syncWriter) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan net.Addr, 1)
	logs := &syncWriter{}
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), env(nil), logs, func(a net.Addr) { addrs <- a })
	}()
	t.Cleanup(func() {
		cancel()
		<-exit
	})
	select {
	case a := <-addrs:
		return a.String(), logs
	case code := <-exit:
		t.Fatalf("exited early with %d: %s", code, logs)
	case <-time.After(10 * time.Second):
		t.Fatal("did not start")
	}
	return "", nil
}

// needCurl skips the test without curl, or fails it on CI, where `make
// curl` must have installed it.
func needCurl(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl not found on CI; `make curl` installs Debian's curl")
		}
		t.Skip("curl not found; run `make curl`")
	}
}

// -tls-self-signed serves HTTPS with HTTP/2: curl --http2 gets a stream
// over h2, every event flushed, from a certificate whose fingerprint the
// log shows.
func TestSelfSignedHTTP2WithCurl(t *testing.T) {
	needCurl(t)
	addr, logs := startCommand(t, "-tls-self-signed")
	m := regexp.MustCompile(`sha256=([0-9A-F:]{95})`).FindStringSubmatch(logs.String())
	if m == nil || !strings.Contains(logs.String(), "url=https://") {
		t.Fatalf("no fingerprint or https URL in the log:\n%s", logs)
	}
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	state := conn.ConnectionState()
	conn.Close()
	sum := sha256.Sum256(state.PeerCertificates[0].Raw)
	if fingerprint(sum[:]) != m[1] || state.NegotiatedProtocol != "h2" {
		t.Fatalf("served certificate %s over %q; the log says %s", fingerprint(sum[:]), state.NegotiatedProtocol, m[1])
	}

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, "curl", "--http2", "--insecure", "--silent", "--show-error", "--no-buffer",
		"--write-out", `\nversion=%{http_version}\n`, "https://"+addr+"/events?count=3&interval=10ms&done=1")
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("curl: %v: %s", err, errOut.String())
	}
	body := out.String()
	if strings.Count(body, "data: ") != 4 || !strings.Contains(body, "event: done") || !strings.Contains(body, "version=2\n") {
		t.Fatalf("curl --http2 got:\n%s", body)
	}
}

func TestTLSFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-tls-cert", "cert.pem"},
		{"-tls-key", "key.pem"},
		{"-tls-self-signed", "-tls-cert", "a", "-tls-key", "b"},
		{"-tls-cert", "/nonexistent/cert.pem", "-tls-key", "/nonexistent/key.pem"},
	} {
		var out strings.Builder
		if code := run(t.Context(), args, env(nil), &out, nil); code != 2 || !strings.Contains(out.String(), "tls") {
			t.Errorf("%q: exit %d, %q; want 2 and a word on TLS", args, code, out.String())
		}
	}
}

// -tls-cert and -tls-key serve the certificate in those files, over h2.
func TestTLSCertFiles(t *testing.T) {
	cert, err := selfSigned("127.0.0.1:0", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600)
	addr, _ := startCommand(t, "-tls-cert", certFile, "-tls-key", keyFile)
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	state := conn.ConnectionState()
	if !bytes.Equal(state.PeerCertificates[0].Raw, cert.Certificate[0]) || state.NegotiatedProtocol != "h2" {
		t.Fatalf("served another certificate, or over %q", state.NegotiatedProtocol)
	}
}
