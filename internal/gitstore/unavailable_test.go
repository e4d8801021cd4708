package gitstore

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"github.com/praxis-coop/praxis/internal/praxis"
)

// TestStorageErrorsAreUnavailable feeds storageError the errors a full disk
// really gives (a write to /dev/full fails with ENOSPC), wrapped as go-git
// and praxis wrap them, and others that must pass through.
func TestStorageErrorsAreUnavailable(t *testing.T) {
	t.Parallel()
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full here:", err)
	}
	defer full.Close()
	_, enospc := full.Write([]byte("x"))
	if enospc == nil {
		t.Fatal("writing to /dev/full succeeded")
	}
	for _, tc := range []struct {
		name string
		err  error
		code string
		msg  string
	}{
		{"ENOSPC", enospc, praxis.EUNAVAILABLE, msgDiskFull},
		{"wrapped", fmt.Errorf("gitstore: commit to main: %w", enospc), praxis.EUNAVAILABLE, msgDiskFull},
		{"flattened", fmt.Errorf("objfile: %v", enospc), praxis.EUNAVAILABLE, msgDiskFull},
		{"read-only", &os.PathError{Op: "open", Path: "x", Err: syscall.EROFS}, praxis.EUNAVAILABLE, msgReadOnly},
		{"something else", errors.New("zlib: invalid header"), praxis.EINTERNAL, "internal error"},
		{"a praxis error", praxis.Errorf(praxis.ECONFLICT, "moved"), praxis.ECONFLICT, "moved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := storageError(tc.err)
			if praxis.ErrorCode(got) != tc.code || praxis.ErrorMessage(got) != tc.msg {
				t.Fatalf("storageError(%v) = %s %q, want %s %q", tc.err, praxis.ErrorCode(got), praxis.ErrorMessage(got), tc.code, tc.msg)
			}
			if !errors.Is(got, tc.err) && tc.code == praxis.EUNAVAILABLE {
				t.Errorf("the cause is lost: %v", got)
			}
		})
	}
	if storageError(nil) != nil {
		t.Error("storageError(nil) is not nil")
	}
}
