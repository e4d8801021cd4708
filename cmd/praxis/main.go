// Command praxis runs the praxis curriculum platform and its tools.
//
//	praxis serve         run the web app
//	praxis lint          check a curriculum folder
//	praxis user add      add an account
//	praxis token create  create an API token
//
// Run `praxis --help` or `praxis COMMAND --help` for every flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/praxis-coop/praxis/internal/praxis"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitError ends praxis with a status and no further message: the command has
// already said what it needed to.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exitCode prints err as one clear sentence and returns the process's status.
func exitCode(err error, stderr io.Writer) int {
	var exit exitError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &exit):
		return exit.code
	case praxis.ErrorCode(err) != praxis.EINTERNAL:
		fmt.Fprintf(stderr, "praxis: %s\n", praxis.ErrorMessage(err))
	default:
		fmt.Fprintf(stderr, "praxis: %v\n", err)
	}
	return 1
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *environment, args []string) error
}

// environment is what a command may use from the outside world; main passes the
// real one and tests their own.
type environment struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

func commands() []command {
	return []command{
		{"serve", "run the praxis web app", runServe},
		{"lint", "check a curriculum folder and print its problems", runLint},
		{"user", "add an account: praxis user add --email E --name N --role R", runUser},
		{"token", "create an API token: praxis token create --email E", runToken},
		{"backup", "write a backup of a data directory, even while praxis runs", runBackup},
		{"restore", "restore a backup into an empty data directory", runRestore},
		{"sync", "bring upstream curriculum changes in as a proposal: praxis sync --from URL", runSync},
		{"repair", "put a damaged main branch back at its last good commit", runRepair},
		{"demo", "fill an instance with generated facilitators and deliveries", runDemo},
		{"version", "print the version of praxis and of its database schema", runVersion},
	}
}

// run is praxis with its dependencies passed in: arguments, environment and
// standard streams. It returns when the command is done or ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	env := &environment{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitError{code: 2}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return nil
	}
	for _, cmd := range commands() {
		if cmd.name == args[0] {
			return cmd.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(stderr, "praxis: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitError{code: 2}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `praxis is an open training curriculum platform for organisers.

Usage:
  praxis COMMAND [flags]

Commands:
`)
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprint(w, `
Run "praxis COMMAND --help" for the flags of a command.
`)
}

// newFlagSet makes a flag set whose --help explains the command and its flags.
func newFlagSet(env *environment, name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: praxis %s\n\n%s\n", synopsis, description)
		hasFlags := false
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprint(out, "\nFlags:\n")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args, sending --help to stdout (it was asked for) and
// mistakes to stderr.
func parseFlags(fs *flag.FlagSet, env *environment, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(env.stdout)
			fs.Usage()
			return flag.ErrHelp
		}
	}
	if err := fs.Parse(args); err != nil {
		return exitError{code: 2}
	}
	return nil
}

// envOr returns the environment variable's value, or def when it is unset.
// envDuration reads a duration from the environment; 0 when unset or not a
// duration (the flag's parser then reports nothing: the default applies).
func envDuration(env *environment, name string) time.Duration {
	d, _ := time.ParseDuration(env.getenv(name))
	return d
}

// envDurationOr reads a duration from the environment; def when unset or not
// a duration.
func envDurationOr(env *environment, name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(env.getenv(name)); err == nil {
		return d
	}
	return def
}

// envInt reads a whole number from the environment; def when unset or not a
// number.
func envInt(env *environment, name string, def int) int {
	if n, err := strconv.Atoi(env.getenv(name)); err == nil {
		return n
	}
	return def
}

func envOr(env *environment, name, def string) string {
	if v := env.getenv(name); v != "" {
		return v
	}
	return def
}
