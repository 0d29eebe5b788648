package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// staticFiles serves an fs.FS: "/" is index.html, a missing name is looked
// up again under dist/ (where the build puts the wasm modules), and a
// precompressed sibling (name.br, name.gz) is chosen by Accept-Encoding.
// Files are read once and kept with their ETag: the FS is an embedded,
// immutable tree.
type staticFiles struct {
	fsys  fs.FS
	mu    sync.Mutex
	cache map[string]*asset // by file name in fsys
}

type asset struct {
	data []byte
	etag string
}

// encodings in order of preference, with the sibling's suffix.
var encodings = []struct{ name, suffix string }{{"br", ".br"}, {"gzip", ".gz"}}

// contentTypes overrides mime.TypeByExtension where systems disagree or
// lack an entry (".ts" would be MPEG transport stream).
var contentTypes = map[string]string{
	".wasm": "application/wasm",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".html": "text/html; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json",
	".map":  "application/json",
	".svg":  "image/svg+xml",
	".ts":   "text/plain; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
	".md":   "text/markdown; charset=utf-8",
}

func newStaticFiles(fsys fs.FS) *staticFiles {
	return &staticFiles{fsys: fsys, cache: make(map[string]*asset)}
}

// load returns the file name, from the cache or fsys; an error when it is
// missing or a directory.
func (sf *staticFiles) load(name string) (*asset, error) {
	sf.mu.Lock()
	a := sf.cache[name]
	sf.mu.Unlock()
	if a != nil {
		return a, nil
	}
	if info, err := fs.Stat(sf.fsys, name); err != nil {
		return nil, err
	} else if info.IsDir() {
		return nil, fs.ErrNotExist
	}
	data, err := fs.ReadFile(sf.fsys, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	a = &asset{data: data, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	sf.mu.Lock()
	sf.cache[name] = a
	sf.mu.Unlock()
	return a, nil
}

// resolve maps a URL path to a file name in fsys.
func (sf *staticFiles) resolve(urlPath string) (string, error) {
	name := strings.TrimPrefix(path.Clean("/"+urlPath), "/")
	if name == "" {
		name = "index.html"
	}
	if !fs.ValidPath(name) {
		return "", fs.ErrNotExist
	}
	for _, candidate := range []string{name, path.Join(name, "index.html"), path.Join("dist", name)} {
		if info, err := fs.Stat(sf.fsys, candidate); err == nil && !info.IsDir() {
			return candidate, nil
		}
	}
	return "", fs.ErrNotExist
}

func (sf *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, err := sf.resolve(r.URL.Path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	ct := contentTypes[path.Ext(name)]
	if ct == "" {
		if ct = mime.TypeByExtension(path.Ext(name)); ct == "" {
			ct = "application/octet-stream"
		}
	}
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	// Revalidate every time: cheap with the ETag, and a rebuilt module is
	// never stale.
	h.Set("Cache-Control", "no-cache")
	a, coding := (*asset)(nil), ""
	accept := r.Header.Get("Accept-Encoding")
	for _, e := range encodings {
		if !acceptsEncoding(accept, e.name) {
			continue
		}
		if c, err := sf.load(name + e.suffix); err == nil {
			a, coding = c, e.name
			break
		}
	}
	if a == nil {
		if a, err = sf.load(name); err != nil {
			status := http.StatusInternalServerError
			if errors.Is(err, fs.ErrNotExist) {
				status = http.StatusNotFound
			}
			http.Error(w, http.StatusText(status), status)
			return
		}
	}
	if coding != "" {
		h.Set("Content-Encoding", coding)
	}
	h.Set("ETag", a.etag)
	// ServeContent answers If-None-Match with 304, ranges and HEAD.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.data))
}
