// verify_bundle checks a livecomply evidence bundle with Go's own sumdb
// packages, code that no one on this project wrote: the checkpoint note is
// opened with golang.org/x/mod/sumdb/note and every record's inclusion proof
// is checked with golang.org/x/mod/sumdb/tlog.CheckRecord.
//
// Usage: verify_bundle BUNDLE.json
// Prints one line per failure and exits 1 if anything failed, otherwise
// prints "ok N records".  Built offline in GOPATH mode against Debian's
// golang-golang-x-mod-dev (see run_interop.py).
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type record struct {
	Index *int64   `json:"index"`
	Leaf  *string  `json:"leaf"`
	Proof []string `json:"proof"`
}

type bundle struct {
	Format     string   `json:"format"`
	Origin     string   `json:"origin"`
	Vkey       string   `json:"vkey"`
	Checkpoint string   `json:"checkpoint"`
	TreeSize   *int64   `json:"tree_size"`
	Root       string   `json:"root"`
	Records    []record `json:"records"`
}

var failures int

func fail(format string, args ...interface{}) {
	failures++
	fmt.Printf("FAIL: "+format+"\n", args...)
}

func decodeHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return h, err
	}
	if len(b) != tlog.HashSize {
		return h, fmt.Errorf("%d bytes, want %d", len(b), tlog.HashSize)
	}
	copy(h[:], b)
	return h, nil
}

// parseCheckpoint reads c2sp.org/tlog-checkpoint text: origin, decimal
// size, base64 root, then optional extension lines.  (tlog.ParseTree wants
// the go.sum header line, so it does not fit.)
func parseCheckpoint(text string) (origin string, size int64, root tlog.Hash, err error) {
	if !strings.HasSuffix(text, "\n") {
		return "", 0, root, fmt.Errorf("checkpoint text does not end in a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 || lines[0] == "" {
		return "", 0, root, fmt.Errorf("checkpoint has %d lines, want at least 3", len(lines))
	}
	size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return "", 0, root, fmt.Errorf("bad checkpoint size %q", lines[1])
	}
	root, err = decodeHash(lines[2])
	if err != nil {
		return "", 0, root, fmt.Errorf("bad checkpoint root: %v", err)
	}
	return lines[0], size, root, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: verify_bundle BUNDLE.json")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Println("FAIL:", err)
		os.Exit(1)
	}
	var b bundle
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&b); err != nil {
		fmt.Println("FAIL: bundle is not valid JSON:", err)
		os.Exit(1)
	}
	if b.Format != "livecomply-evidence/1" {
		fail("format is %q, want livecomply-evidence/1", b.Format)
	}

	v, err := note.NewVerifier(b.Vkey)
	if err != nil {
		fmt.Println("FAIL: verifier key:", err)
		os.Exit(1)
	}
	n, err := note.Open([]byte(b.Checkpoint), note.VerifierList(v))
	if err != nil {
		fmt.Println("FAIL: checkpoint signature:", err)
		os.Exit(1)
	}
	origin, size, root, err := parseCheckpoint(n.Text)
	if err != nil {
		fmt.Println("FAIL:", err)
		os.Exit(1)
	}
	if origin != b.Origin {
		fail("checkpoint origin %q, bundle says %q", origin, b.Origin)
	}
	if v.Name() != origin {
		fail("checkpoint signed by key %q, not by the log %q", v.Name(), origin)
	}
	if b.TreeSize == nil || *b.TreeSize != size {
		fail("bundle tree_size does not match checkpoint size %d", size)
	}
	if r, err := decodeHash(b.Root); err != nil || r != root {
		fail("bundle root does not match the checkpoint root")
	}

	for i, rec := range b.Records {
		if rec.Index == nil || rec.Leaf == nil {
			fail("record %d: missing index or leaf", i)
			continue
		}
		leaf, err := base64.StdEncoding.Strict().DecodeString(*rec.Leaf)
		if err != nil {
			fail("record %d (index %d): leaf: %v", i, *rec.Index, err)
			continue
		}
		proof := make(tlog.RecordProof, len(rec.Proof))
		ok := true
		for j, p := range rec.Proof {
			if proof[j], err = decodeHash(p); err != nil {
				fail("record %d (index %d): proof[%d]: %v", i, *rec.Index, j, err)
				ok = false
			}
		}
		if !ok {
			continue
		}
		if err := tlog.CheckRecord(proof, size, root, *rec.Index, tlog.RecordHash(leaf)); err != nil {
			fail("record %d (index %d): %v", i, *rec.Index, err)
		}
	}
	if failures > 0 {
		os.Exit(1)
	}
	fmt.Printf("ok %d records\n", len(b.Records))
}
