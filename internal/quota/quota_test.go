package quota_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/praxis"
	"github.com/praxis-coop/praxis/internal/quota"
	"github.com/praxis-coop/praxis/internal/testenv"
)

func TestParseLimitsNamesEveryFieldAtFault(t *testing.T) {
	if l, err := quota.ParseLimits(" 250 ", "0"); err != nil || l != (quota.Limits{StorageMB: 250}) {
		t.Errorf("ParseLimits(250, 0) = %+v, %v", l, err)
	}
	_, err := quota.ParseLimits("a lot", "-1")
	fields := map[string]bool{}
	for _, fe := range praxis.FieldErrors(err) {
		fields[fe.Field] = true
	}
	if !fields[quota.StorageField] || !fields[quota.WriteField] || praxis.ErrorCode(err) != praxis.EINVALID {
		t.Errorf("ParseLimits(a lot, -1) = %v; want both fields named, EINVALID", err)
	}
}

func TestTheWriteRateRefillsOverAnHour(t *testing.T) {
	ctx := context.Background()
	env := testenv.New(t, testenv.Options{})
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	q := quota.New(quota.Config{DB: env.DB, Store: env.Store, Now: func() time.Time { return now }})
	admin, _, err := account.New(account.Config{Hashing: testenv.PasswordHashing(), DB: env.DB}).AddUser(ctx, account.NewUser{Email: "a@example.org", Name: "A", Roles: []praxis.Role{praxis.RoleAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.SetLimits(ctx, &praxis.User{ID: 99, Roles: []praxis.Role{praxis.RoleFacilitator}}, quota.Limits{}); praxis.ErrorCode(err) != praxis.EFORBIDDEN {
		t.Errorf("a facilitator setting limits = %v, want EFORBIDDEN", err)
	}
	if err := q.SetLimits(ctx, admin, quota.Limits{StorageMB: 0, WriteMBPerHour: 10}); err != nil {
		t.Fatal(err)
	}
	const mb = 1 << 20
	if err := q.AllowWrite(ctx, 7, 8*mb); err != nil {
		t.Fatalf("8 MB of 10 = %v", err)
	}
	err = q.AllowWrite(ctx, 7, 4*mb)
	var rate *quota.RateError
	if !errors.As(err, &rate) || rate.RetryAfter < 10*time.Minute || rate.RetryAfter > 13*time.Minute {
		t.Errorf("12 MB in an hour past 10 = %v; want a wait of about 12 minutes (2 MB at 10 MB an hour)", err)
	}
	if err := q.AllowWrite(ctx, 8, 4*mb); err != nil {
		t.Errorf("another person's write = %v", err)
	}
	now = now.Add(15 * time.Minute)
	if err := q.AllowWrite(ctx, 7, 4*mb); err != nil {
		t.Errorf("after a quarter of an hour = %v", err)
	}
	// A push larger than what is left puts one in debt.
	q.Pushed(8, 10*mb)
	if err := q.AllowPush(ctx, 8); !errors.As(err, &rate) {
		t.Errorf("a push after a 10 MB push = %v, want ETOOMANY", err)
	}
	if err := q.AllowWrite(ctx, 7, 11*mb); !errors.As(err, &rate) {
		t.Errorf("a write larger than an hour's allowance = %v, want ETOOMANY", err)
	}
}
