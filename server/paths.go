package server

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"path"
	"path/filepath"
	"strings"
)

// safeRel reports whether rel, a slash-separated path from a request
// (already percent-decoded once), may name something under the root: it is
// not absolute and holds no ".." element, no backslash, no NUL and no
// percent sign (a percent sign left after decoding is a second encoding,
// and no file the server shows has one in its name).
func safeRel(rel string) bool {
	if strings.ContainsAny(rel, "\\%\x00") || path.IsAbs(rel) || filepath.IsAbs(rel) || filepath.VolumeName(rel) != "" {
		return false
	}
	for _, elem := range strings.Split(rel, "/") {
		if elem == ".." {
			return false
		}
	}
	return true
}

// resolve returns the file or folder rel names under the root, with
// symbolic links resolved and rel relative to the root, or errNotFound
// when rel is unsafe, does not exist or leads out of the root.
func (s *Server) resolve(rel string) (file, clean string, err error) {
	if !safeRel(rel) {
		return "", "", errNotFound
	}
	clean = path.Clean("/" + rel)[1:]
	real, err := filepath.EvalSymlinks(filepath.Join(s.root, filepath.FromSlash(clean)))
	if err != nil {
		return "", "", errNotFound
	}
	inside, ok := s.rel(real)
	if !ok {
		return "", "", errNotFound
	}
	return real, inside, nil
}

// rel returns file, an absolute path with links resolved, relative to the
// root in slash form, and whether it is under the root at all.
func (s *Server) rel(file string) (string, bool) {
	r, err := filepath.Rel(s.root, file)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) || filepath.IsAbs(r) {
		return "", false
	}
	if r == "." {
		return "", true
	}
	return filepath.ToSlash(r), true
}

// shown names the files /files serves, by extension, with their type.
var shown = map[string]string{
	".png":   "image/png",
	".json":  "application/json",
	".jsonl": "application/jsonl",
}

// serveFile serves a picture or JSON file under the root.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	_, rel, err := s.resolve(r.PathValue("path"))
	ctype, ok := shown[strings.ToLower(path.Ext(rel))]
	if err != nil || !ok {
		writeError(w, errNotFound)
		return
	}
	f, err := s.fsys.Open(filepath.FromSlash(rel))
	if err != nil {
		writeError(w, errNotFound)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		writeError(w, errNotFound)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// readSmall reads a file under the root (rel already resolved) of at most
// limit bytes; a larger file is read up to limit.
func (s *Server) readSmall(rel string, limit int64) ([]byte, error) {
	f, err := s.fsys.Open(filepath.FromSlash(rel))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errNotFound
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errNotFound
	}
	return io.ReadAll(io.LimitReader(f, limit))
}
