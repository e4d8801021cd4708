package gitstore_test

import (
	"context"
	"io"
	"runtime"
	"testing"

	"github.com/praxis-coop/praxis/internal/gitstore"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/testenv"
)

// allocated returns how many bytes the process has allocated so far.
func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}

func TestABombIsRefusedFromItsHeaderWithoutInflating(t *testing.T) {
	s, dir, main := seeded(t, nil)
	ctx := context.Background()
	const size = 256 << 20
	const name = "modules/stigma/handouts/zeros.pdf"
	bomb := testenv.CommitZeros(t, dir, main, "proposals/9/bomb", name, size)

	before := allocated()
	snap, err := s.Snapshot(ctx, bomb)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snap.ReadFile(name); praxis.ErrorCode(err) != praxis.ETOOLARGE {
		t.Errorf("ReadFile = %v, want ETOOLARGE", err)
	}
	if _, err := snap.Open(name); praxis.ErrorCode(err) != praxis.ETOOLARGE {
		t.Errorf("Open = %v, want ETOOLARGE", err)
	}
	info, err := snap.Stat(name)
	if err != nil || info.Size() != size {
		t.Errorf("Stat = %v, %v; want a size of %d", info, err, size)
	}
	id, err := snap.ID(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadBlob(ctx, id); praxis.ErrorCode(err) != praxis.ETOOLARGE {
		t.Errorf("ReadBlob = %v, want ETOOLARGE", err)
	}
	if got, err := s.BlobSize(ctx, id); err != nil || got != size {
		t.Errorf("BlobSize = %d, %v; want %d", got, err, size)
	}
	if _, err := s.Merge(ctx, main, bomb, gitstore.MergeOptions{}); err != nil {
		t.Errorf("Merge: %v", err)
	}
	// Inflating it would allocate all 256 MB; a quarter leaves room for
	// what else the process allocates meanwhile.
	if grew := allocated() - before; grew > size/4 {
		t.Errorf("reading a %d MB bomb allocated %d MB; want it refused from its header (under %d MB)", size>>20, grew>>20, size>>22)
	}
}

func TestLargeFilesStreamWithoutBeingHeldInMemory(t *testing.T) {
	s, dir, main := seeded(t, nil)
	ctx := context.Background()
	const size = 6 << 20 // allowed, and above what is read whole
	const name = "modules/stigma/handouts/poster.pdf"
	head := testenv.CommitZeros(t, dir, main, "forks/3/stigma", name, size)
	snap, err := s.Snapshot(ctx, head)
	if err != nil {
		t.Fatal(err)
	}

	before := allocated()
	f, err := snap.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := f.Stat()
	if err != nil || info.Size() != size {
		t.Errorf("Stat = %v, %v; want a size of %d", info, err, size)
	}
	n, err := io.Copy(io.Discard, f)
	if err != nil || n != size {
		t.Errorf("read %d bytes, %v; want %d", n, err, size)
	}
	if err := f.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if grew := allocated() - before; grew > size/4 {
		t.Errorf("streaming a %d MB file allocated %d KB; want it streamed, not held (under %d KB)", size>>20, grew>>10, size/4>>10)
	}
	// Read whole, it is still there for the pages that need all of it.
	data, err := snap.ReadFile(name)
	if err != nil || len(data) != size {
		t.Errorf("ReadFile = %d bytes, %v; want %d", len(data), err, size)
	}
}
