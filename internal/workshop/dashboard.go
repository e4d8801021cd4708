package workshop

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/praxis-coop/praxis/internal/access"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// Dashboard is the coordinators' picture of workshops ahead.
type Dashboard struct {
	// ByStatus counts requests in each status, in order.
	ByStatus []Count `json:"by_status"`
	// ByRegion counts requests per region (online ones as "Online"), with a
	// count per status.
	ByRegion []RegionCount `json:"by_region"`
	// Scheduled counts requests that were scheduled; DaysToSchedule is the
	// median and mean time from request to scheduled, in days.
	Scheduled            int      `json:"scheduled"`
	MedianDaysToSchedule *float64 `json:"median_days_to_schedule"`
	MeanDaysToSchedule   *float64 `json:"mean_days_to_schedule"`
	// NoFacilitator counts requests declined for want of a facilitator,
	// per region: where to recruit and train.
	NoFacilitator []Count `json:"declined_no_facilitator"`
	// Attendance is registered → attended over workshops that have started.
	Attendance db.AttendanceTotals `json:"attendance"`
	// AttendedShare is attended over registered (0 to 1), nil without any.
	AttendedShare *float64 `json:"attended_share"`
}

// Count is a label and a number.
type Count struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// RegionCount is a region's requests, in all and by status.
type RegionCount struct {
	Region   string         `json:"region"`
	Total    int            `json:"total"`
	ByStatus map[string]int `json:"by_status"`
}

// Dashboard answers the coordinators' questions about requests and
// attendance.
func (s *Service) Dashboard(ctx context.Context, user *praxis.User) (*Dashboard, error) {
	if err := access.Authorize(user, access.ViewStats); err != nil {
		return nil, err
	}
	facts, err := s.db.RequestFacts(ctx)
	if err != nil {
		return nil, err
	}
	d := &Dashboard{}
	status := map[string]int{}
	regions := map[string]*RegionCount{}
	noFacilitator := map[string]int{}
	var days []float64
	for _, f := range facts {
		status[f.Status]++
		region := f.Region
		switch {
		case f.Online:
			region = "Online"
		case region == "":
			region = "Not given"
		}
		rc := regions[region]
		if rc == nil {
			rc = &RegionCount{Region: region, ByStatus: map[string]int{}}
			regions[region] = rc
		}
		rc.Total++
		rc.ByStatus[f.Status]++
		if f.Status == praxis.RequestDeclined && f.DeclineReason == praxis.DeclineNoFacilitator {
			noFacilitator[region]++
		}
		if f.ScheduledAt != nil {
			days = append(days, f.ScheduledAt.Sub(f.CreatedAt).Hours()/24)
		}
	}
	for _, st := range praxis.RequestStatuses {
		d.ByStatus = append(d.ByStatus, Count{Label: st, Count: status[st]})
	}
	for _, rc := range regions {
		d.ByRegion = append(d.ByRegion, *rc)
	}
	slices.SortFunc(d.ByRegion, func(a, b RegionCount) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Region, b.Region))
	})
	for region, n := range noFacilitator {
		d.NoFacilitator = append(d.NoFacilitator, Count{Label: region, Count: n})
	}
	slices.SortFunc(d.NoFacilitator, func(a, b Count) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Label, b.Label)) })
	d.Scheduled = len(days)
	if len(days) > 0 {
		slices.Sort(days)
		median := days[len(days)/2]
		if len(days)%2 == 0 {
			median = (days[len(days)/2-1] + days[len(days)/2]) / 2
		}
		sum := 0.0
		for _, v := range days {
			sum += v
		}
		mean := sum / float64(len(days))
		d.MedianDaysToSchedule, d.MeanDaysToSchedule = &median, &mean
	}
	if d.Attendance, err = s.db.Attendance(ctx, s.now().Add(time.Minute)); err != nil {
		return nil, err
	}
	if d.Attendance.Registered > 0 {
		share := float64(d.Attendance.Attended) / float64(d.Attendance.Registered)
		d.AttendedShare = &share
	}
	return d, nil
}
