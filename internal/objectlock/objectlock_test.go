package objectlock_test

import (
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/objectlock"
)

func TestSharedHoldersKeepAPruneOutAndAPruneHoldsThemOff(t *testing.T) {
	repo := t.TempDir()
	release, err := objectlock.Shared(repo)
	if err != nil {
		t.Fatal(err)
	}
	again, err := objectlock.Shared(repo)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := objectlock.TryExclusive(repo); ok || err != nil {
		t.Fatalf("TryExclusive while held shared = %v, %v; want false, nil", ok, err)
	}
	release()
	if _, ok, _ := objectlock.TryExclusive(repo); ok {
		t.Fatal("TryExclusive succeeded while one holder is left")
	}
	again()
	prune, ok, err := objectlock.TryExclusive(repo)
	if !ok || err != nil {
		t.Fatalf("TryExclusive with no holders = %v, %v; want true, nil", ok, err)
	}
	if _, ok, _ := objectlock.TryExclusive(repo); ok {
		t.Fatal("two prunes held the lock at once")
	}
	got := make(chan struct{})
	go func() {
		r, err := objectlock.Shared(repo)
		if err == nil {
			r()
		}
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("Shared did not wait for the prune")
	case <-time.After(100 * time.Millisecond):
	}
	prune()
	<-got
}
