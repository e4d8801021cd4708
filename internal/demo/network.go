package demo

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// DemoDomain is the email domain of generated facilitators. It is reserved
// (RFC 2606), so no mail can reach anyone, and it tells demo accounts from
// real ones.
const DemoDomain = "demo.invalid"

// NetworkOptions shapes a generated network of facilitators and deliveries.
type NetworkOptions struct {
	Facilitators int
	Deliveries   int
	Seed         uint64
	// Modules are the slugs to deliver and their usual length in minutes;
	// earlier ones are delivered more often, as first modules of a series are.
	Modules []ModuleLength
	// Now is the end of the period (four years) the deliveries spread over.
	Now time.Time
	// Version tells the version of the curriculum current on a day.
	Version func(date string) string
}

// ModuleLength is a module that can be delivered and its usual length.
type ModuleLength struct {
	Slug    string
	Minutes int
}

// Region is a region of the network, with towns and its weight in it.
type Region struct {
	Name    string
	Country string
	Towns   []string
	Weight  int
}

// Regions are the UK's nations and English regions, and Ireland, weighted
// roughly by where organising schools are.
var Regions = []Region{
	{"London", "GB", []string{"Hackney", "Lewisham", "Tower Hamlets", "Croydon", "Brent", "Camden"}, 18},
	{"North West", "GB", []string{"Manchester", "Liverpool", "Preston", "Salford", "Wigan", "Lancaster"}, 13},
	{"Yorkshire and the Humber", "GB", []string{"Leeds", "Sheffield", "Bradford", "Hull", "York", "Barnsley"}, 11},
	{"Scotland", "GB", []string{"Glasgow", "Edinburgh", "Dundee", "Aberdeen", "Inverness"}, 11},
	{"West Midlands", "GB", []string{"Birmingham", "Coventry", "Wolverhampton", "Stoke-on-Trent"}, 8},
	{"North East", "GB", []string{"Newcastle", "Sunderland", "Durham", "Middlesbrough"}, 7},
	{"Wales", "GB", []string{"Cardiff", "Swansea", "Newport", "Wrexham", "Merthyr Tydfil", "Caernarfon"}, 7},
	{"South East", "GB", []string{"Brighton", "Oxford", "Southampton", "Reading", "Canterbury"}, 7},
	{"East Midlands", "GB", []string{"Nottingham", "Leicester", "Derby", "Lincoln"}, 6},
	{"South West", "GB", []string{"Bristol", "Plymouth", "Exeter", "Gloucester"}, 6},
	{"East of England", "GB", []string{"Norwich", "Cambridge", "Ipswich", "Luton"}, 4},
	{"Northern Ireland", "GB", []string{"Belfast", "Derry", "Newry"}, 3},
	{"Dublin", "IE", []string{"Dublin", "Tallaght"}, 1},
}

var firstNames = strings.Fields(`Aisha Alex Amara Anwen Bartek Bethan Bilal Cai Callum Chidi Ciara Dafydd Deborah Dev
Eilidh Emeka Fatima Farah Gareth Grace Hamza Hannah Ifan Imran Jess Joanna Kasia Kerry-Ann Leon Lowri Malik Mared
Marta Mei Nasreen Niamh Nkechi Oisín Olu Paddy Priya Rhiannon Rory Ruth Saoirse Sanjay Shona Siân Tariq Tomasz Una
Wiktoria Yusuf Zainab Zofia`)

var lastNames = strings.Fields(`Ahmed Begum Bennett Chowdhury Davies Doherty Evans Fraser Griffiths Hughes Hussain Jones
Kaur Kowalski Lewandowska MacLeod McCarthy Mensah Morgan Nowak O'Brien Okafor Owusu Patel Price Rahman Reilly Roberts
Singh Smith Thomas Walsh Williams Wiśniewska Zielinski`)

var hostNames = map[string][]string{
	"union branch":           {"Unite community branch", "UNISON local government branch", "GMB branch", "IWGB branch", "PCS branch", "RMT branch", "CWU branch"},
	"community group":        {"Community centre", "Residents' association", "Food bank volunteers", "Mutual aid network", "Library friends"},
	"tenants' union":         {"ACORN branch", "Living Rent branch", "Tenants' union", "Renters' union branch"},
	"political organisation": {"Socialist society", "Trades council", "Constituency party", "Young socialists"},
	"campaign":               {"Save our hospital campaign", "Cost of living campaign", "Climate jobs campaign", "Fair pay campaign"},
	"other":                  {"Adult education college", "Student union", "Faith group", "Youth club"},
}

var worked = []string{
	"The opening round got everyone talking about where they grew up; nobody held back.",
	"Splitting into pairs for the story exercise worked far better than the whole group.",
	"People loved the local examples; the timeline of the strike landed well.",
	"The power map on the wall became the plan for the next month.",
	"Role-playing the one-to-one twice, swapping roles, made it click.",
	"Having two facilitators let us keep the small groups on time.",
}

var change = []string{
	"The debrief needs more time: we ran out before the last question.",
	"Print the handout in a larger font; several people struggled to read it.",
	"The video link failed online: have a backup story ready.",
	"Cut the second energiser, it broke the flow.",
	"Add a break before the power mapping; energy dropped after an hour.",
	"Check the room is accessible beforehand; we had to move.",
}

var valued = []string{"Hearing other people's stories", "The practical tools", "Feeling less alone", "The facilitators were brilliant", "Meeting people from my estate", ""}
var improve = []string{"More time for questions", "A longer break", "Better room", "More examples from Wales", "Send the handouts before", ""}

// Generated is one generated delivery and its participants' feedback.
type Generated struct {
	Delivery *praxis.Delivery
	Feedback []praxis.Feedback
}

// Network generates facilitators, then calls emit for each delivery, in
// date order, so a million can be written without holding them all. The
// facilitators' ids are their positions plus firstID. Deterministic for a seed.
func Network(opts NetworkOptions, firstID int64) ([]*praxis.User, func(emit func(Generated) error) error) {
	r := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5eed))
	if opts.Now.IsZero() {
		opts.Now = time.Now().UTC()
	}
	totalWeight := 0
	for _, reg := range Regions {
		totalWeight += reg.Weight
	}
	pickRegion := func() Region {
		n := r.IntN(totalWeight)
		for _, reg := range Regions {
			if n < reg.Weight {
				return reg
			}
			n -= reg.Weight
		}
		return Regions[0]
	}
	users := make([]*praxis.User, opts.Facilitators)
	regionOf := make([]Region, opts.Facilitators)
	byRegion := map[string][]int{}
	created := opts.Now.AddDate(-4, 0, 0)
	for i := range users {
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		reg := pickRegion()
		regionOf[i] = reg
		byRegion[reg.Name] = append(byRegion[reg.Name], i)
		users[i] = &praxis.User{ID: firstID + int64(i), Name: first + " " + last,
			Email:  fmt.Sprintf("%s.%s.%d@%s", asciiFold(first), asciiFold(last), firstID+int64(i), DemoDomain),
			Region: reg.Name, Town: reg.Towns[r.IntN(len(reg.Towns))], Roles: []praxis.Role{praxis.RoleFacilitator},
			Status: praxis.StatusActive, CreatedAt: created}
	}
	gen := func(emit func(Generated) error) error {
		if opts.Facilitators == 0 || len(opts.Modules) == 0 {
			return nil
		}
		// One in seven trained facilitators has not delivered yet; the rest
		// teach with a long tail: a few do most of the workshops.
		teaching := max(1, opts.Facilitators*6/7)
		start := opts.Now.AddDate(-4, 0, 0)
		span := opts.Now.Sub(start)
		days := make([]float64, opts.Deliveries)
		for i := range days {
			days[i] = math.Sqrt(r.Float64()) // the network grows: more deliveries each year
		}
		slices.Sort(days)
		token := make([]byte, 12)
		for i := range opts.Deliveries {
			lead := int(math.Pow(r.Float64(), 2.2) * float64(teaching))
			reg := regionOf[lead]
			if r.IntN(10) == 0 {
				reg = pickRegion()
			}
			m := opts.Modules[min(len(opts.Modules)-1, int(math.Pow(r.Float64(), 1.6)*float64(len(opts.Modules))))]
			date := start.Add(time.Duration(days[i] * float64(span))).Format("2006-01-02")
			format := praxis.FormatInPerson
			switch n := r.IntN(20); {
			case n < 5:
				format = praxis.FormatOnline
			case n < 7:
				format = praxis.FormatHybrid
			}
			hostType := praxis.HostTypes[weighted(r, []int{30, 25, 15, 12, 12, 6})]
			participants := 4 + r.IntN(8) + r.IntN(12)
			d := &praxis.Delivery{FacilitatorID: users[lead].ID, Module: m.Slug, Date: date,
				Duration: max(30, m.Minutes+15*(r.IntN(3)-1)), Format: format,
				Town: reg.Towns[r.IntN(len(reg.Towns))], Region: reg.Name, Country: reg.Country,
				Host: hostNames[hostType][r.IntN(len(hostNames[hostType]))], HostType: hostType,
				Participants: participants, FirstTime: r.IntN(participants/2 + 1), CoFacilitators: []int64{}}
			if opts.Version != nil {
				d.Version = opts.Version(date)
			}
			if local := byRegion[regionOf[lead].Name]; r.IntN(10) < 3 && len(local) > 1 {
				if co := local[r.IntN(len(local))]; co != lead {
					d.CoFacilitators = append(d.CoFacilitators, users[co].ID)
				}
			}
			if r.IntN(4) == 0 {
				d.Worked, d.Change = worked[r.IntN(len(worked))], change[r.IntN(len(change))]
			}
			for j := range token {
				token[j] = byte(r.Uint32())
			}
			d.FeedbackToken = base64.RawURLEncoding.EncodeToString(token)
			when, _ := time.Parse("2006-01-02", date)
			d.CreatedAt, d.UpdatedAt = when.Add(20*time.Hour), when.Add(20*time.Hour)
			g := Generated{Delivery: d}
			if r.IntN(10) == 0 {
				for range 2 + r.IntN(participants-1) {
					fb := praxis.Feedback{Rating: 5 - weighted(r, []int{45, 35, 12, 5, 3}), CreatedAt: d.CreatedAt,
						Valued: valued[r.IntN(len(valued))], Improve: improve[r.IntN(len(improve))]}
					g.Feedback = append(g.Feedback, fb)
					d.FeedbackCount++
					d.FeedbackSum += fb.Rating
				}
			}
			if err := emit(g); err != nil {
				return err
			}
		}
		return nil
	}
	return users, gen
}

func weighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// asciiFold makes a name safe for an email address's local part.
func asciiFold(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteRune(c)
		case c == 'í':
			b.WriteByte('i')
		case c == 'â':
			b.WriteByte('a')
		case c == 'ś':
			b.WriteByte('s')
		}
	}
	return b.String()
}

// Populate writes a generated network into a database: the facilitators, with
// one password hash nobody knows, then the deliveries in batches. It returns
// how many deliveries and answers of feedback it wrote.
func Populate(ctx context.Context, database *db.DB, opts NetworkOptions, passwordHash string) (deliveries, feedback int, err error) {
	first, err := database.MaxUserID(ctx)
	if err != nil {
		return 0, 0, err
	}
	users, gen := Network(opts, first+1)
	if err := database.ImportUsers(ctx, users, passwordHash); err != nil {
		return 0, 0, err
	}
	const batch = 20_000
	var ds []*praxis.Delivery
	var fbs [][]praxis.Feedback
	flush := func() error {
		if err := database.ImportDeliveries(ctx, ds, fbs); err != nil {
			return err
		}
		deliveries += len(ds)
		ds, fbs = ds[:0], fbs[:0]
		return nil
	}
	err = gen(func(g Generated) error {
		ds, fbs = append(ds, g.Delivery), append(fbs, g.Feedback)
		feedback += len(g.Feedback)
		if len(ds) == batch {
			return flush()
		}
		return nil
	})
	if err == nil && len(ds) > 0 {
		err = flush()
	}
	return deliveries, feedback, err
}

// CachedNetwork returns the path of a database filled by Populate with opts,
// building it on first use under dir (os.TempDir() when empty): benchmarks
// over a million deliveries share one file instead of spending half a minute
// each. key must name whatever opts.Version depends on (the curriculum's
// commit). Callers that write must copy the file first.
func CachedNetwork(ctx context.Context, dir string, opts NetworkOptions, key string) (string, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("praxis-network-v%d-s%d-%df-%dd-%d-%s.db", networkFormat, db.SchemaVersion(), opts.Facilitators, opts.Deliveries, opts.Seed, key))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	tmp := fmt.Sprintf("%s.building-%d", path, os.Getpid())
	os.Remove(tmp)
	database, err := db.Open(ctx, tmp)
	if err != nil {
		return "", err
	}
	_, _, err = Populate(ctx, database, opts, "!")
	if err == nil {
		err = database.Checkpoint(ctx)
	}
	database.Close()
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	os.Remove(tmp + "-wal")
	os.Remove(tmp + "-shm")
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return path, nil
}

// networkFormat changes whenever Network generates different data, so that
// CachedNetwork does not reuse a stale file.
const networkFormat = 2
