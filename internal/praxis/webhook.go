package praxis

import "time"

// Webhook is an address praxis posts events to, as an admin set it up.
type Webhook struct {
	ID  int64  `json:"id"`
	URL string `json:"url"`
	// Events are the event kinds it receives (the Activity* kinds).
	Events []string `json:"events"`
	// Secret signs each delivery (X-Praxis-Signature); shown once, when
	// the webhook is made, and never again.
	Secret    string    `json:"-"`
	CreatedBy int64     `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// WebhookAttempt is one attempt to deliver an event to a webhook: the
// delivery log.
type WebhookAttempt struct {
	ID        int64 `json:"id"`
	WebhookID int64 `json:"-"`
	// Delivery is the delivery's id (X-Praxis-Delivery), the same for
	// every attempt of it.
	Delivery  string `json:"delivery"`
	EventKind string `json:"event"`
	Attempt   int    `json:"attempt"`
	// StatusCode is the receiver's HTTP status; 0 when there was no answer
	// (Error says why).
	StatusCode int           `json:"status_code"`
	Error      string        `json:"error,omitempty"`
	Duration   time.Duration `json:"-"`
	At         time.Time     `json:"at"`
}

// OK reports whether the receiver took the delivery (a 2xx status).
func (a WebhookAttempt) OK() bool { return a.StatusCode >= 200 && a.StatusCode < 300 }

// EventPing is the event of a webhook's "send test": it is never recorded,
// only delivered.
const EventPing = "ping"
