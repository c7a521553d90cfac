// conformance-image-builder writes a single-platform OCI image archive (a tar of an OCI image
// layout) whose layers are prepared tar files: the e2e test images `hakube conformance build`
// makes from Debian packages and Go binaries (docs/conformance.md). go-containerregistry does
// the image work, as in the bundle's image-builder (activities/bundle/image-builder), which
// takes single files only and whose output must not change.
//
//	conformance-image-builder -spec image.json -o image.tar
//
// The index entry carries io.containerd.image.name and org.opencontainers.image.ref.name so
// that `ctr -n k8s.io images import` registers the image under its full name. The manifest
// digest is printed on stdout.
package main

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
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

// Spec describes one image; Layers are uncompressed tar files, bottom first.
type Spec struct {
	Name       string   `json:"name"`
	OS         string   `json:"os"`
	Arch       string   `json:"arch"`
	Layers     []string `json:"layers"`
	Entrypoint []string `json:"entrypoint,omitempty"`
	Cmd        []string `json:"cmd,omitempty"`
	Env        []string `json:"env,omitempty"`
	User       string   `json:"user,omitempty"`
	WorkingDir string   `json:"workdir,omitempty"`
}

func main() {
	specPath := flag.String("spec", "", "image description (JSON)")
	out := flag.String("o", "", "output OCI archive (tar)")
	flag.Parse()
	if *specPath == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: conformance-image-builder -spec image.json -o image.tar")
		os.Exit(2)
	}
	digest, err := run(*specPath, *out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "conformance-image-builder: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(digest)
}

func readSpec(p string) (*Spec, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var s Spec
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	if _, err := name.NewTag(s.Name, name.StrictValidation); err != nil {
		return nil, fmt.Errorf("spec: name %q: %w", s.Name, err)
	}
	if s.OS == "" || s.Arch == "" || len(s.Layers) == 0 {
		return nil, errors.New("spec: os, arch and layers are required")
	}
	return &s, nil
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
		},
	}
	img, err := mutate.ConfigFile(empty.Image, cfg)
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	adds := make([]mutate.Addendum, 0, len(s.Layers))
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
				CreatedBy: fmt.Sprintf("hakube conformance-image-builder %s: ADD %s", Version, filepath.Base(p)),
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
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
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
	return f.Sync()
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
	at := time.Unix(0, 0).UTC()
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
