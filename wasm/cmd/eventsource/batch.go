//go:build js && wasm

package main

// appendEvent appends an event to a batch: "\rtype\rdata\rid", the type
// "message" when empty. CR never occurs in a field, so JavaScript splits
// the batch on it; the bytes stay undecoded until then, and the one UTF-8
// decode of the whole batch (by wasm_exec.js's TextDecoder) replaces
// invalid sequences exactly as the browser's EventSource does. The batch
// starts with CR because that decode drops a leading BOM, which an event
// type may start with.
func appendEvent(buf, typ, data, id []byte) []byte {
	buf = append(buf, '\r')
	if len(typ) == 0 {
		buf = append(buf, "message"...)
	} else {
		buf = append(buf, typ...)
	}
	buf = append(buf, '\r')
	buf = append(buf, data...)
	buf = append(buf, '\r')
	return append(buf, id...)
}
