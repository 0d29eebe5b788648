package client

import "unicode/utf8"

// Header values are bytes. fetch takes a header value as a JavaScript
// string each of whose characters is one byte (a ByteString: U+0000 to
// U+00FF only; it throws on others) and sends those bytes as they are. A Go
// string is bytes already, so the transport spells each byte as one
// character ([byteString]) and [HeadersFromJS] reads each character back
// as one byte ([fromByteString]). A value thus reaches the server exactly:
// a JavaScript header as fetch itself would send it, a Go string (such as
// the last event ID, which native EventSource sends as UTF-8) as its bytes.

// byteString returns the JavaScript ByteString of the bytes of s, as
// syscall/js takes strings: in UTF-8, so a byte from 0x80 up becomes a
// two-byte sequence.
func byteString(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s // ASCII: the same either way
	}
	b := make([]byte, i, len(s)+(len(s)-i))
	copy(b, s[:i])
	for ; i < len(s); i++ {
		b = utf8.AppendRune(b, rune(s[i]))
	}
	return string(b)
}

// fromByteString returns the bytes of s, a JavaScript ByteString as
// syscall/js gives it (in UTF-8): each character one byte. ok is false if s
// has a character above U+00FF, which stands for no byte.
func fromByteString(s string) (_ string, ok bool) {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s, true
	}
	b := make([]byte, i, len(s))
	copy(b, s[:i])
	for _, r := range s[i:] {
		if r > 0xFF {
			return "", false
		}
		b = append(b, byte(r))
	}
	return string(b), true
}
