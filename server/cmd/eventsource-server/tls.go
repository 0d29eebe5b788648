package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"time"
)

// tlsConfig returns the server's TLS configuration for the options, with
// the SHA-256 fingerprint of its certificate, or nil when TLS is off. Go's
// server then offers HTTP/2 to every client that speaks it.
func tlsConfig(o options) (*tls.Config, string, error) {
	var cert tls.Certificate
	var err error
	switch {
	case o.tlsSelfSigned && (o.tlsCert != "" || o.tlsKey != ""):
		return nil, "", errors.New("-tls-self-signed excludes -tls-cert and -tls-key")
	case o.tlsSelfSigned:
		cert, err = selfSigned(o.addr, time.Now())
	case o.tlsCert != "" && o.tlsKey != "":
		cert, err = tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
	case o.tlsCert != "" || o.tlsKey != "":
		return nil, "", errors.New("-tls-cert and -tls-key go together")
	default:
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("tls: %w", err)
	}
	sum := sha256.Sum256(cert.Certificate[0])
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, fingerprint(sum[:]), nil
}

// fingerprint spells a digest as browsers show it: upper-case hex pairs
// joined by colons.
func fingerprint(sum []byte) string {
	h := strings.ToUpper(hex.EncodeToString(sum))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// selfSigned makes a certificate, in memory, for local use: valid for 30
// days from now for localhost, the loopback addresses and the listen
// address's host.
func selfSigned(addr string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "eventsource-server (self-signed)"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if host, _, err := net.SplitHostPort(addr); err == nil && host != "" {
		if ip := net.ParseIP(host); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if host != "localhost" {
			tmpl.DNSNames = append(tmpl.DNSNames, host)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
