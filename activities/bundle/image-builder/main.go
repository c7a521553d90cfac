// image-builder writes a single-platform OCI image archive (a tar of an OCI image layout)
// from a JSON description, with go-containerregistry doing the image work (layers,
// config, manifest, layout). It is part of `hakube bundle build`; see docs/bundle.md.
//
//	image-builder -spec image.json -o image.tar
//
// Every file of the description becomes one layer (its parent folders included), then every
// prepared layer (an uncompressed tar, e.g. a userland for `hakube conformance build`) one
// layer each. The index entry carries io.containerd.image.name and org.opencontainers.image.ref.name so
// that `ctr -n k8s.io images import` registers the image under its full name. Timestamps,
// owners and ordering are fixed, so the same inputs give the same manifest digest. The
// manifest digest is printed on stdout.
package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Version is part of the callers' cache keys: bump it when the output for the same spec changes.
const Version = "1"

// File is one file of the image: Source on this machine, Path in the image, Mode in octal.
type File struct {
	Source string `json:"source"`
	Path   string `json:"path"`
	Mode   string `json:"mode"`
}

// Spec describes one image.
type Spec struct {
	Name  string `json:"name"`
	OS    string `json:"os"`
	Arch  string `json:"arch"`
	Files []File `json:"files"`
	// Layers are prepared, uncompressed tar files, one layer each, after the files' layers.
	Layers     []string          `json:"layers,omitempty"`
	Entrypoint []string          `json:"entrypoint,omitempty"`
	Cmd        []string          `json:"cmd,omitempty"`
	Env        []string          `json:"env,omitempty"`
	User       string            `json:"user,omitempty"`
	WorkingDir string            `json:"workdir,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
	// Created is the RFC 3339 time used for the config, history and every tar entry
	// (default: the Unix epoch).
	Created string `json:"created,omitempty"`
}

func main() {
	specPath := flag.String("spec", "", "image description (JSON); - for stdin")
	out := flag.String("o", "", "output OCI archive (tar)")
	version := flag.Bool("version", false, "print the builder version")
	flag.Parse()
	if *version {
		fmt.Println(Version)
		return
	}
	if *specPath == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: image-builder -spec image.json -o image.tar")
		os.Exit(2)
	}
	digest, err := run(*specPath, *out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "image-builder: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(digest)
}

func readSpec(p string) (*Spec, error) {
	var data []byte
	var err error
	if p == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(p)
	}
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Spec
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	if _, err := name.NewTag(s.Name, name.StrictValidation); err != nil {
		return nil, fmt.Errorf("spec: name %q: %w", s.Name, err)
	}
	if s.OS == "" || s.Arch == "" {
		return nil, errors.New("spec: os and arch are required")
	}
	if len(s.Files) == 0 && len(s.Layers) == 0 {
		return nil, errors.New("spec: no files and no layers")
	}
	for _, f := range s.Files {
		if !strings.HasPrefix(f.Path, "/") || path.Clean(f.Path) != f.Path || f.Path == "/" {
			return nil, fmt.Errorf("spec: file path %q: want a clean absolute path", f.Path)
		}
		if _, err := strconv.ParseUint(f.Mode, 8, 32); err != nil {
			return nil, fmt.Errorf("spec: file %s: mode %q: want octal", f.Path, f.Mode)
		}
	}
	return &s, nil
}

func created(s *Spec) (time.Time, error) {
	if s.Created == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s.Created)
	if err != nil {
		return time.Time{}, fmt.Errorf("spec: created: %w", err)
	}
	return t.UTC(), nil
}

// layerTar is an uncompressed layer holding one file and its parent folders.
func layerTar(f File, mtime time.Time) ([]byte, error) {
	content, err := os.ReadFile(f.Source)
	if err != nil {
		return nil, err
	}
	mode, _ := strconv.ParseUint(f.Mode, 8, 32)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	rel := strings.TrimPrefix(f.Path, "/")
	parts := strings.Split(rel, "/")
	for i := 1; i < len(parts); i++ {
		dir := strings.Join(parts[:i], "/") + "/"
		if err := tw.WriteHeader(&tar.Header{
			Typeflag: tar.TypeDir, Name: dir, Mode: 0o755, ModTime: mtime, Format: tar.FormatPAX,
		}); err != nil {
			return nil, err
		}
	}
	if err := tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg, Name: rel, Mode: int64(mode), Size: int64(len(content)),
		ModTime: mtime, Format: tar.FormatPAX,
	}); err != nil {
		return nil, err
	}
	if _, err := tw.Write(content); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func buildImage(s *Spec, at time.Time) (v1.Image, error) {
	cfg := &v1.ConfigFile{
		Architecture: s.Arch,
		OS:           s.OS,
		Created:      v1.Time{Time: at},
		RootFS:       v1.RootFS{Type: "layers"},
		Config: v1.Config{
			Entrypoint: s.Entrypoint,
			Cmd:        s.Cmd,
			Env:        s.Env,
			User:       s.User,
			WorkingDir: s.WorkingDir,
			Labels:     s.Labels,
		},
	}
	img, err := mutate.ConfigFile(empty.Image, cfg)
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	adds := make([]mutate.Addendum, 0, len(s.Files)+len(s.Layers))
	for _, f := range s.Files {
		data, err := layerTar(f, at)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", f.Path, err)
		}
		layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", f.Path, err)
		}
		adds = append(adds, mutate.Addendum{
			Layer:     layer,
			MediaType: types.OCILayer,
			History: v1.History{
				Created:   v1.Time{Time: at},
				CreatedBy: fmt.Sprintf("hakube image-builder %s: COPY %s (mode %s)", Version, f.Path, f.Mode),
			},
		})
	}
	for _, p := range s.Layers {
		layer, err := tarball.LayerFromFile(p, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", p, err)
		}
		adds = append(adds, mutate.Addendum{
			Layer:     layer,
			MediaType: types.OCILayer,
			History: v1.History{
				Created:   v1.Time{Time: at},
				CreatedBy: fmt.Sprintf("hakube image-builder %s: ADD %s", Version, filepath.Base(p)),
			},
		})
	}
	return mutate.Append(img, adds...)
}

// tarDir writes the layout folder as a tar with sorted entries, fixed times and owners.
func tarDir(dir, out string, mtime time.Time) error {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(paths)
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	tw := tar.NewWriter(f)
	for _, p := range paths {
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case st.IsDir():
			err = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: rel + "/", Mode: 0o755, ModTime: mtime, Format: tar.FormatPAX})
		case st.Mode().IsRegular():
			err = tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: 0o644, Size: st.Size(), ModTime: mtime, Format: tar.FormatPAX})
			if err == nil {
				err = copyInto(tw, p)
			}
		default:
			err = fmt.Errorf("%s: not a file or folder", rel)
		}
		if err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

func copyInto(w io.Writer, p string) error {
	r, err := os.Open(p)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(w, r)
	return err
}

func run(specPath, out string) (string, error) {
	s, err := readSpec(specPath)
	if err != nil {
		return "", err
	}
	at, err := created(s)
	if err != nil {
		return "", err
	}
	img, err := buildImage(s, at)
	if err != nil {
		return "", err
	}
	digest, err := img.Digest()
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".image-layout-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	lp, err := layout.Write(tmp, empty.Index)
	if err != nil {
		return "", err
	}
	err = lp.AppendImage(img,
		layout.WithAnnotations(map[string]string{
			"io.containerd.image.name":          s.Name,
			"org.opencontainers.image.ref.name": s.Name,
		}),
		layout.WithPlatform(v1.Platform{OS: s.OS, Architecture: s.Arch}),
	)
	if err != nil {
		return "", err
	}
	if err := tarDir(tmp, out, at); err != nil {
		return "", err
	}
	return digest.String(), nil
}
