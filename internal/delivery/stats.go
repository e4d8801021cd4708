package delivery

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/history"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Stats holds the facts of every delivery in memory, column-coded, so that
// the coordinators' dashboard aggregates a million deliveries in one pass of a
// few milliseconds instead of a dozen GROUP BY queries over the table. It is
// loaded from the database on first use and kept in step by the service's
// writes; the database stays the record. Safe for concurrent use.
type Stats struct {
	db      *db.DB
	renamer renamer // nil: modules are counted under the names logged

	mu     sync.RWMutex
	loaded bool
	rows   []factRow
	pos    map[int64]int // delivery id -> index in rows
	// co holds the co-facilitators of every row, each row's run at
	// coOff:coOff+coLen; replaced runs are left behind until the next load.
	co     []uint32
	people dict[int64]
	dims   [numDims]dict[string]
	// Modules moved on main are counted under their names now: renames is
	// what the rows' module codes follow (renamesKey its Key), current
	// memoises (logged module, version) -> module now, seqs each version's
	// place in the history index.
	renames    *history.Renames
	renamesKey string
	current    map[[2]uint32]uint32
	seqs       map[uint32]int64
}

// renamer tells how module folders moved on main; the history index is one.
type renamer interface {
	Renames(ctx context.Context) (*history.Renames, error)
	Seq(ctx context.Context, id string) (int64, error)
}

// Dimensions a delivery is coded along.
const (
	dimMonth = iota
	dimModule
	dimVersion
	dimRegion
	dimCountry
	dimHostType
	dimFormat
	numDims
)

// factRow is one delivery, coded: about 60 bytes.
type factRow struct {
	id          int64
	facilitator uint32 // index in people
	day         int32  // days since 1970-01-01
	// dim holds the row's codes; its module is the module the delivery
	// counts under now, logged the one it was logged against.
	dim          [numDims]uint32
	logged       uint32
	participants int32
	firstTime    int32
	fbCount      int32
	fbSum        int32
	coOff        uint32
	coLen        uint8
}

// dict codes values (strings, user ids) as small dense integers.
type dict[K comparable] struct {
	codes map[K]uint32
	names []K
}

func (d *dict[K]) code(v K) uint32 {
	if c, ok := d.codes[v]; ok {
		return c
	}
	if d.codes == nil {
		d.codes = map[K]uint32{}
	}
	c := uint32(len(d.names))
	d.codes[v] = c
	d.names = append(d.names, v)
	return c
}

func newStats(database *db.DB, r renamer) *Stats {
	return &Stats{db: database, renamer: r, pos: map[int64]int{}, current: map[[2]uint32]uint32{}, seqs: map[uint32]int64{}}
}

// follow brings the rows' modules in step with the renames on main, when
// they changed since the last look.
func (s *Stats) follow(ctx context.Context) error {
	if s.renamer == nil {
		return nil
	}
	renames, err := s.renamer.Renames(ctx)
	if err != nil {
		return err
	}
	key := renames.Key()
	s.mu.RLock()
	same := key == s.renamesKey
	s.mu.RUnlock()
	if same {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.renames, s.renamesKey, s.current = renames, key, map[[2]uint32]uint32{}
	for i := range s.rows {
		if err := s.remap(ctx, &s.rows[i]); err != nil {
			return err
		}
	}
	return nil
}

// remap sets the module a row counts under now. The caller holds the write
// lock.
func (s *Stats) remap(ctx context.Context, r *factRow) error {
	if s.renames == nil || !s.renames.Any() {
		r.dim[dimModule] = r.logged
		return nil
	}
	key := [2]uint32{r.logged, r.dim[dimVersion]}
	if c, ok := s.current[key]; ok {
		r.dim[dimModule] = c
		return nil
	}
	seq, ok := s.seqs[r.dim[dimVersion]]
	if !ok {
		var err error
		if seq, err = s.renamer.Seq(ctx, s.dims[dimVersion].names[r.dim[dimVersion]]); err != nil {
			return err
		}
		s.seqs[r.dim[dimVersion]] = seq
	}
	c := s.dims[dimModule].code(s.renames.Current(s.dims[dimModule].names[r.logged], seq))
	s.current[key] = c
	r.dim[dimModule] = c
	return nil
}

const epochDay = 24 * 60 * 60

func dayNumber(date string) int32 {
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		return 0
	}
	return int32(t.Unix() / epochDay)
}

// ensure loads the facts from the database once.
func (s *Stats) ensure(ctx context.Context) error {
	s.mu.RLock()
	loaded := s.loaded
	s.mu.RUnlock()
	if loaded {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded {
		return nil
	}
	err := s.db.EachDeliveryFact(ctx, func(f db.DeliveryFact) {
		s.put(f)
	})
	if err != nil {
		// Start again next time rather than serve half a picture.
		s.rows, s.pos, s.co = nil, map[int64]int{}, nil
		return err
	}
	s.loaded = true
	return nil
}

// Load reads the facts from the database now rather than on first use.
func (s *Stats) Load(ctx context.Context) error { return s.ensure(ctx) }

// put adds or replaces a delivery's facts. The caller holds the write lock.
func (s *Stats) put(f db.DeliveryFact) {
	r := factRow{id: f.ID, facilitator: s.people.code(f.FacilitatorID), day: dayNumber(f.Date),
		participants: int32(f.Participants), firstTime: int32(f.FirstTime),
		fbCount: int32(f.FeedbackCount), fbSum: int32(f.FeedbackSum)}
	month := ""
	if len(f.Date) >= 7 {
		month = f.Date[:7]
	}
	for dim, v := range [numDims]string{month, f.Module, f.Version, f.Region, f.Country, f.HostType, f.Format} {
		r.dim[dim] = s.dims[dim].code(v)
	}
	r.logged = r.dim[dimModule]
	if s.renames != nil {
		// A failed lookup counts the row under the name logged until the
		// renames next change; the record itself is safe in the database.
		_ = s.remap(context.Background(), &r)
	}
	if len(f.CoFacilitators) > 0 {
		r.coOff, r.coLen = uint32(len(s.co)), uint8(min(len(f.CoFacilitators), 255))
		for _, id := range f.CoFacilitators[:r.coLen] {
			s.co = append(s.co, s.people.code(id))
		}
	}
	if i, ok := s.pos[f.ID]; ok {
		s.rows[i] = r
		return
	}
	s.pos[f.ID] = len(s.rows)
	s.rows = append(s.rows, r)
}

// apply records a created or changed delivery. Until the facts are loaded
// there is nothing to keep in step: the load will read it.
func (s *Stats) apply(d *praxis.Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		return
	}
	fbCount, fbSum := d.FeedbackCount, d.FeedbackSum
	if i, ok := s.pos[d.ID]; ok { // feedback totals are counted here, not by edits
		fbCount, fbSum = int(s.rows[i].fbCount), int(s.rows[i].fbSum)
	}
	s.put(db.DeliveryFact{ID: d.ID, FacilitatorID: d.FacilitatorID, Module: d.Module, Version: d.Version, Date: d.Date,
		Format: d.Format, Region: d.Region, Country: d.Country, HostType: d.HostType, Participants: d.Participants,
		FirstTime: d.FirstTime, FeedbackCount: fbCount, FeedbackSum: fbSum, CoFacilitators: d.CoFacilitators})
}

// remove forgets a deleted delivery, moving the last row into its place.
func (s *Stats) remove(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, ok := s.pos[id]
	if !ok {
		return
	}
	last := len(s.rows) - 1
	s.rows[i] = s.rows[last]
	s.pos[s.rows[i].id] = i
	s.rows = s.rows[:last]
	delete(s.pos, id)
}

// addFeedback counts one participant's rating.
func (s *Stats) addFeedback(id int64, rating int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i, ok := s.pos[id]; ok {
		s.rows[i].fbCount++
		s.rows[i].fbSum += int32(rating)
	}
}

// Count returns how many deliveries the statistics hold.
func (s *Stats) Count(ctx context.Context) (int, error) {
	if err := s.ensure(ctx); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.rows), nil
}

// Acc accumulates the measures of a group of deliveries.
type Acc struct {
	Deliveries    int
	Participants  int
	FirstTime     int
	FeedbackCount int
	FeedbackSum   int
}

func (a *Acc) add(r *factRow) {
	a.Deliveries++
	a.Participants += int(r.participants)
	a.FirstTime += int(r.firstTime)
	a.FeedbackCount += int(r.fbCount)
	a.FeedbackSum += int(r.fbSum)
}

func (a *Acc) merge(b Acc) {
	a.Deliveries += b.Deliveries
	a.Participants += b.Participants
	a.FirstTime += b.FirstTime
	a.FeedbackCount += b.FeedbackCount
	a.FeedbackSum += b.FeedbackSum
}

// query is a filter in codes. A nil set does not filter; an empty one matches
// nothing.
type query struct {
	from, to int32 // days, inclusive; 0 for none
	sets     [numDims]map[uint32]bool
	dims     [numDims]bool // which dimensions to group by
	pairs    bool          // module × version, over deliveries with feedback
	people   bool          // per-facilitator counts
	activeOn int32         // count facilitators active since this day
}

// result is what one pass over the facts gives.
type result struct {
	total  Acc
	by     [numDims]map[string]Acc
	pairs  map[[2]string]Acc
	counts map[int64]int // facilitator id -> deliveries led or co-facilitated
	active int           // facilitators with a delivery on or after activeOn
}

// Filter codes for the string filter of each dimension: a nil map for no
// filter, and an empty one when the value was never seen (nothing matches).
func (s *Stats) codeSet(dim int, values []string) map[uint32]bool {
	if values == nil {
		return nil
	}
	set := map[uint32]bool{}
	for _, v := range values {
		if c, ok := s.dims[dim].codes[v]; ok {
			set[c] = true
		}
	}
	return set
}

// run aggregates the facts matching q in one pass.
func (s *Stats) run(ctx context.Context, from, to string, filters [numDims][]string, q query) (*result, error) {
	if err := s.ensure(ctx); err != nil {
		return nil, err
	}
	if err := s.follow(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if from != "" {
		q.from = dayNumber(from)
	}
	if to != "" {
		q.to = dayNumber(to)
	}
	for dim, values := range filters {
		q.sets[dim] = s.codeSet(dim, values)
	}
	// Accumulate by code into slices (no hashing in the loop), name them after.
	var by [numDims][]Acc
	for dim, want := range q.dims {
		if want {
			by[dim] = make([]Acc, len(s.dims[dim].names))
		}
	}
	var pairs map[[2]uint32]*Acc
	if q.pairs {
		pairs = map[[2]uint32]*Acc{}
	}
	var counts []int32
	var last []int32
	if q.people {
		counts = make([]int32, len(s.people.names))
		last = make([]int32, len(s.people.names))
	}
	res := &result{}
	var dims []int // the dimensions grouped by, so the loop skips the rest
	for dim, want := range q.dims {
		if want {
			dims = append(dims, dim)
		}
	}
	sets := q.sets
	hasSets := false
	for _, set := range sets {
		hasSets = hasSets || set != nil
	}
rows:
	for i := range s.rows {
		r := &s.rows[i]
		if (q.from != 0 && r.day < q.from) || (q.to != 0 && r.day > q.to) {
			continue
		}
		if hasSets {
			for dim, set := range sets {
				if set != nil && !set[r.dim[dim]] {
					continue rows
				}
			}
		}
		res.total.add(r)
		for _, dim := range dims {
			by[dim][r.dim[dim]].add(r)
		}
		if pairs != nil && r.fbCount > 0 {
			key := [2]uint32{r.dim[dimModule], r.dim[dimVersion]}
			a := pairs[key]
			if a == nil {
				a = &Acc{}
				pairs[key] = a
			}
			a.add(r)
		}
		if counts != nil {
			counts[r.facilitator]++
			last[r.facilitator] = max(last[r.facilitator], r.day)
			for _, c := range s.co[r.coOff : r.coOff+uint32(r.coLen)] {
				counts[c]++
				last[c] = max(last[c], r.day)
			}
		}
	}
	for dim, accs := range by {
		if accs == nil {
			continue
		}
		res.by[dim] = map[string]Acc{}
		for code, a := range accs {
			if a.Deliveries > 0 {
				res.by[dim][s.dims[dim].names[code]] = a
			}
		}
	}
	if pairs != nil {
		res.pairs = make(map[[2]string]Acc, len(pairs))
		for key, a := range pairs {
			res.pairs[[2]string{s.dims[dimModule].names[key[0]], s.dims[dimVersion].names[key[1]]}] = *a
		}
	}
	if counts != nil {
		res.counts = map[int64]int{}
		for code, n := range counts {
			if n > 0 {
				res.counts[s.people.names[code]] = int(n)
				if last[code] >= q.activeOn {
					res.active++
				}
			}
		}
	}
	return res, nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
