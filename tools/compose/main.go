// Command compose-check validates a Compose file without a Docker engine. It loads the file with
// compose-go, the library Docker Compose v2 itself uses, so schema errors (a misspelt key, a bad
// port) and consistency errors (depends_on an undefined service, an undeclared volume) are the ones
// `docker compose config` would report. It then checks two mistakes that only fail at `up` time.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check COMPOSE_FILE [OVERRIDE_FILE...]")
		os.Exit(2)
	}
	// Several files merge into one project, in order, as with `docker compose -f a -f b`.
	files := os.Args[1:]
	label := strings.Join(files, " + ")
	project, err := load(files)
	if err != nil {
		fail(label, []string{explain(err.Error())})
	}
	if problems := checkRuntime(project); len(problems) > 0 {
		fail(label, problems)
	}
	fmt.Printf("%s: valid compose project %q with services: %s\n", label, project.Name, strings.Join(project.ServiceNames(), ", "))
}

func load(files []string) (*types.Project, error) {
	abs := make([]string, len(files))
	for i, f := range files {
		a, err := filepath.Abs(f)
		if err != nil {
			return nil, err
		}
		abs[i] = a
	}
	// Relative paths resolve against the first file's directory, as Docker Compose does.
	options, err := cli.NewProjectOptions(abs,
		cli.WithWorkingDirectory(filepath.Dir(abs[0])),
		cli.WithOsEnv,
		cli.WithDotEnv,
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return nil, err
	}
	return options.LoadProject(context.Background())
}

// checkRuntime finds what compose-go accepts but `docker compose up` rejects or hangs on.
func checkRuntime(project *types.Project) []string {
	var problems []string
	var published []publishedPort
	for _, name := range project.ServiceNames() {
		service := project.Services[name]
		for _, dep := range sortedKeys(service.DependsOn) {
			if service.DependsOn[dep].Condition != types.ServiceConditionHealthy {
				continue
			}
			// Images may ship their own HEALTHCHECK, but this file cannot see it; declaring it here
			// keeps the start-up order readable in one place.
			target := project.Services[dep]
			if target.HealthCheck == nil || target.HealthCheck.Disable || len(target.HealthCheck.Test) == 0 {
				problems = append(problems, fmt.Sprintf(
					"services.%s.depends_on.%s: condition service_healthy needs a healthcheck on service %q; add services.%s.healthcheck or use condition service_started",
					name, dep, dep, dep))
			}
		}
		for _, port := range service.Ports {
			if port.Published == "" {
				continue
			}
			this := publishedPort{service: name, hostIP: port.HostIP, port: port.Published, protocol: port.Protocol}
			for _, other := range published {
				if other.clashes(this) {
					problems = append(problems, fmt.Sprintf(
						"services.%s.ports: host port %s/%s is already published by service %q; choose another host port",
						name, port.Published, port.Protocol, other.service))
				}
			}
			published = append(published, this)
		}
	}
	return problems
}

type publishedPort struct{ service, hostIP, port, protocol string }

// clashes reports whether two published ports would fight for the same host socket; an empty or
// wildcard host IP binds every address, so it clashes with any IP on the same port.
func (p publishedPort) clashes(q publishedPort) bool {
	if p.port != q.port || p.protocol != q.protocol {
		return false
	}
	return p.hostIP == q.hostIP || isWildcard(p.hostIP) || isWildcard(q.hostIP)
}

func isWildcard(ip string) bool { return ip == "" || ip == "0.0.0.0" || ip == "::" }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// falseSchema matches the schema library's wording for a key the Compose spec does not allow.
var falseSchema = regexp.MustCompile(`(\S+)\.([^.\s]+) false schema`)

// explain rewrites that wording into one a person can act on.
func explain(msg string) string {
	return falseSchema.ReplaceAllString(msg, "$1: unknown key '$2' (misspelt, or not in the Compose spec)")
}

func fail(label string, problems []string) {
	fmt.Fprintf(os.Stderr, "%s is invalid:\n", label)
	for _, p := range problems {
		fmt.Fprintf(os.Stderr, "  - %s\n", p)
	}
	os.Exit(1)
}
