// Package events fans praxis's events out to the sinks that act on them
// (the inbox and its emails; later webhooks), through the durable job queue.
//
// Every event is recorded once, in the database transaction of the change it
// describes (internal/db). The Bus is that transaction's hook: each
// subscription sees the event there and inserts the jobs it needs into the
// same transaction, so the change, its event and the work it calls for commit
// together or not at all. A subscription does no slow work itself; its jobs
// do, later, retried until they succeed.
//
// Adding a sink is one subscription (Subscribe, deciding from the event
// alone, cheaply, which jobs to insert) and one handler for those jobs
// (jobs.Handle). See docs/DESIGN.md, "Notifications".
package events

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/praxis-coop/praxis/internal/jobs"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Inserter inserts jobs inside a transaction: the job queue.
type Inserter interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args jobs.Args, opts jobs.Options) (bool, error)
}

var _ Inserter = (*jobs.Queue)(nil)

// Subscription is told of an event inside the transaction that records it,
// and inserts the jobs it needs with q in tx. It must be quick: it holds
// the database's write lock. Its error undoes the change.
type Subscription func(ctx context.Context, q Inserter, tx *sql.Tx, e praxis.Activity) error

type subscriber struct {
	name  string
	kinds []string
	fn    Subscription
}

// Bus hands each event to its subscriptions. Subscribe everything before
// the first event is recorded.
type Bus struct {
	queue Inserter
	subs  []subscriber
}

// NewBus returns a bus that inserts jobs into queue.
func NewBus(queue Inserter) *Bus { return &Bus{queue: queue} }

// Subscribe adds a subscription, told of events of the kinds given (every
// kind when none are).
func (b *Bus) Subscribe(name string, fn Subscription, kinds ...string) {
	b.subs = append(b.subs, subscriber{name: name, kinds: kinds, fn: fn})
}

// Publish tells every subscription of e, in tx. It is the database's event
// hook (db.DB.OnEvent).
func (b *Bus) Publish(ctx context.Context, tx *sql.Tx, e praxis.Activity) error {
	for _, s := range b.subs {
		if len(s.kinds) > 0 && !slices.Contains(s.kinds, e.Kind) {
			continue
		}
		if err := s.fn(ctx, b.queue, tx, e); err != nil {
			return fmt.Errorf("events: %s: %w", s.name, err)
		}
	}
	return nil
}
