package testenv

import (
	"bytes"
	"compress/flate"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// CommitZeros commits a file of size zero bytes at name on branch, on top of
// parent, and returns the commit. The blob is written as the one loose object
// a small push leaves behind (git unpacks pushes of fewer than 100 objects),
// which is about a thousandth of its size: a decompression bomb. The blob is
// written here, without reading or compressing size bytes (git hash-object
// took 10 s a gigabyte); the tree and commit are made by git itself. Tests
// that need it are skipped without git.
func CommitZeros(t testing.TB, repo, parent, branch, name string, size int64) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	tmp := t.TempDir()
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Env = append(os.Environ(), "GIT_DIR="+repo, "GIT_INDEX_FILE="+filepath.Join(tmp, "index"),
			"GIT_CONFIG_NOSYSTEM=1", "HOME="+tmp,
			"GIT_AUTHOR_NAME=Mallory", "GIT_AUTHOR_EMAIL=mallory@example.org",
			"GIT_COMMITTER_NAME=Mallory", "GIT_COMMITTER_EMAIL=mallory@example.org")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	blob, err := writeLooseZeros(filepath.Join(repo, "objects"), size)
	if err != nil {
		t.Fatal(err)
	}
	git("read-tree", parent)
	git("update-index", "--add", "--cacheinfo", "100644,"+blob+","+name)
	tree := git("write-tree")
	commit := git("commit-tree", tree, "-p", parent, "-m", "Add "+name)
	git("update-ref", "refs/heads/"+branch, commit)
	return commit
}

// WriteZerosPack writes into the object store at objects (a repository's
// objects folder) a pack holding one blob of size zero bytes, as `git add`
// of a file that large leaves it, and returns the blob's id. git pushes a
// packed object as it is, so a test can push a gigabyte without git reading
// and compressing it first.
func WriteZerosPack(t testing.TB, objects string, size int64) string {
	t.Helper()
	id, err := writeZerosPack(objects, size)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// zerosID returns the object id of a blob of size zero bytes. Hashing is the
// one cost that grows with size (about 0.6 s a gigabyte).
func zerosID(size int64) []byte {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", size)
	zeros := make([]byte, 1<<20)
	for left := size; left > 0; left -= int64(len(zeros)) {
		h.Write(zeros[:min(left, int64(len(zeros)))])
	}
	return h.Sum(nil)
}

// zlibZeros returns a zlib stream of prefix followed by size zero bytes. A
// deflate block that ends on a byte boundary and refers back only within
// itself can be repeated: the stream is one block for prefix, one block of
// a mebibyte of zeros repeated, one for the rest, and an empty final block.
func zlibZeros(prefix []byte, size int64) ([]byte, error) {
	const chunk = 1 << 20
	// block compresses data into deflate blocks that end on a byte boundary
	// (a flush) and refer back only within themselves (a new compressor).
	// With final, it returns only what closing adds after the flush: the
	// empty last block.
	block := func(data []byte, final bool) ([]byte, error) {
		var buf bytes.Buffer
		w, err := flate.NewWriter(&buf, flate.BestCompression)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		if err := w.Flush(); err != nil {
			return nil, err
		}
		if !final {
			return buf.Bytes(), nil
		}
		flushed := buf.Len()
		if err := w.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes()[flushed:], nil
	}
	final, err := block(nil, true)
	if err != nil {
		return nil, err
	}

	var out bytes.Buffer
	out.Write([]byte{0x78, 0xda}) // zlib header: deflate, 32 KiB window, best compression
	if len(prefix) > 0 {
		b, err := block(prefix, false)
		if err != nil {
			return nil, err
		}
		out.Write(b)
	}
	if size >= chunk {
		b, err := block(make([]byte, chunk), false)
		if err != nil {
			return nil, err
		}
		for range size / chunk {
			out.Write(b)
		}
	}
	if rest := size % chunk; rest > 0 {
		b, err := block(make([]byte, rest), false)
		if err != nil {
			return nil, err
		}
		out.Write(b)
	}
	out.Write(final)
	// Adler-32 of prefix and the zeros: a zero byte leaves a as it is and
	// adds a to b.
	const mod = 65521
	a, b := uint64(1), uint64(0)
	for _, c := range prefix {
		a = (a + uint64(c)) % mod
		b = (b + a) % mod
	}
	b = (b + uint64(size%mod)*a) % mod
	return binary.BigEndian.AppendUint32(out.Bytes(), uint32(b<<16|a)), nil
}

// writeLooseZeros writes a blob of size zero bytes as a loose object.
func writeLooseZeros(objects string, size int64) (string, error) {
	id := hex.EncodeToString(zerosID(size))
	data, err := zlibZeros(fmt.Appendf(nil, "blob %d\x00", size), size)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(objects, id[:2])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return id, os.WriteFile(filepath.Join(dir, id[2:]), data, 0o444)
}

// writeZerosPack writes a pack of one blob of size zero bytes, and its index.
func writeZerosPack(objects string, size int64) (string, error) {
	id := zerosID(size)
	data, err := zlibZeros(nil, size)
	if err != nil {
		return "", err
	}
	// The entry's header: type 3 (blob) and the size, little-endian in 7-bit
	// groups after the first 4 bits.
	header := []byte{byte(3<<4 | size&0x0f)}
	for rest := size >> 4; rest > 0; rest >>= 7 {
		header[len(header)-1] |= 0x80
		header = append(header, byte(rest&0x7f))
	}
	entry := append(header, data...)

	pack := []byte("PACK")
	pack = binary.BigEndian.AppendUint32(pack, 2)
	pack = binary.BigEndian.AppendUint32(pack, 1)
	const offset = 12
	pack = append(pack, entry...)
	packSum := sha1.Sum(pack)
	pack = append(pack, packSum[:]...)

	idx := []byte{0xff, 't', 'O', 'c'}
	idx = binary.BigEndian.AppendUint32(idx, 2)
	for i := range 256 {
		n := uint32(0)
		if i >= int(id[0]) {
			n = 1
		}
		idx = binary.BigEndian.AppendUint32(idx, n)
	}
	idx = append(idx, id...)
	idx = binary.BigEndian.AppendUint32(idx, crc32.ChecksumIEEE(entry))
	idx = binary.BigEndian.AppendUint32(idx, offset)
	idx = append(idx, packSum[:]...)
	idxSum := sha1.Sum(idx)
	idx = append(idx, idxSum[:]...)

	base := filepath.Join(objects, "pack", "pack-"+hex.EncodeToString(packSum[:]))
	if err := os.MkdirAll(filepath.Dir(base), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(base+".pack", pack, 0o444); err != nil {
		return "", err
	}
	if err := os.WriteFile(base+".idx", idx, 0o444); err != nil {
		return "", err
	}
	return hex.EncodeToString(id), nil
}
