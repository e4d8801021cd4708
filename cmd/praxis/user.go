package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/praxis-coop/praxis/internal/account"
	"github.com/praxis-coop/praxis/internal/db"
	"github.com/praxis-coop/praxis/internal/praxis"
)

// openAccounts opens only what account commands need: the database.
func openAccounts(ctx context.Context, dataDir, baseURL string) (*account.Service, *db.DB, error) {
	if err := prepareDataDir(dataDir); err != nil {
		return nil, nil, err
	}
	database, err := db.Open(ctx, filepath.Join(dataDir, databaseFile))
	if err != nil {
		return nil, nil, err
	}
	return account.New(account.Config{DB: database, BaseURL: strings.TrimRight(baseURL, "/")}), database, nil
}

func runUser(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(env.stdout, "Usage: praxis user add --data DIR --email E --name N --role R[,R...] [--password-stdin]\n\nRun \"praxis user add --help\" for the flags.\n")
			return nil
		}
		fmt.Fprint(env.stderr, "Usage: praxis user add --data DIR --email E --name N --role R[,R...] [--password-stdin]\n")
		return exitError{code: 2}
	}
	fs := newFlagSet(env, "user add", "user add --data DIR --email E --name N --role R[,R...] [--password-stdin]",
		`Creates an active account, for the first admin and for scripts. The roles are
facilitator, maintainer, coordinator and admin. With --password-stdin the password
is read from the first line of standard input; without it, praxis prints a
one-time link (valid 72 hours) where the person sets their own password.`)
	dataDir := fs.String("data", envOr(env, "PRAXIS_DATA", defaultDataDir), "`DIR` holding the database (env PRAXIS_DATA)")
	email := fs.String("email", "", "the person's email `ADDRESS`")
	name := fs.String("name", "", "the person's `NAME`")
	roles := fs.String("role", string(praxis.RoleFacilitator), "comma-separated `ROLES`: facilitator, maintainer, coordinator, admin")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	baseURL := fs.String("base-url", envOr(env, "PRAXIS_BASE_URL", ""), "public `URL` of praxis, to print the password link in full (env PRAXIS_BASE_URL)")
	if err := parseFlags(fs, env, args[1:]); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		return praxis.Errorf(praxis.EINVALID, "give both --email and --name")
	}
	var roleList []praxis.Role
	for _, r := range strings.Split(*roles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			roleList = append(roleList, praxis.Role(r))
		}
	}
	password := ""
	if *passwordStdin {
		line, err := bufio.NewReader(io.LimitReader(env.stdin, 4096)).ReadString('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("read the password from standard input: %w", err)
		}
		if password = strings.TrimRight(line, "\r\n"); password == "" {
			return praxis.Errorf(praxis.EINVALID, "--password-stdin was given but standard input holds no password")
		}
	}
	svc, database, err := openAccounts(ctx, *dataDir, *baseURL)
	if err != nil {
		return err
	}
	defer database.Close()
	user, link, err := svc.AddUser(ctx, account.NewUser{Email: *email, Name: *name, Roles: roleList, Password: password})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "Created user %d, %s <%s>, roles %s.\n", user.ID, user.Name, user.Email, joinRoles(user.Roles))
	if link != "" {
		fmt.Fprintf(env.stdout, "They set their password at %s (valid for 72 hours, once).\n", link)
	}
	return nil
}

func joinRoles(roles []praxis.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, ",")
}

func runToken(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(env.stdout, "Usage: praxis token create --data DIR --email E [--name N]\n\nRun \"praxis token create --help\" for the flags.\n")
			return nil
		}
		fmt.Fprint(env.stderr, "Usage: praxis token create --data DIR --email E [--name N]\n")
		return exitError{code: 2}
	}
	fs := newFlagSet(env, "token create", "token create --data DIR --email E [--name N]",
		`Creates an API token for an active account and prints it, alone, on standard
output. Send it as "Authorization: Bearer <token>". It is stored only as a hash
and cannot be shown again; the person can revoke it from their account page.`)
	dataDir := fs.String("data", envOr(env, "PRAXIS_DATA", defaultDataDir), "`DIR` holding the database (env PRAXIS_DATA)")
	email := fs.String("email", "", "email `ADDRESS` of the account")
	name := fs.String("name", "command line", "`NAME` of the token, to recognise it later")
	if err := parseFlags(fs, env, args[1:]); err != nil {
		return err
	}
	if *email == "" {
		return praxis.Errorf(praxis.EINVALID, "give --email")
	}
	svc, database, err := openAccounts(ctx, *dataDir, "")
	if err != nil {
		return err
	}
	defer database.Close()
	token, err := svc.CreateTokenFor(ctx, *email, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.stdout, token)
	return nil
}
