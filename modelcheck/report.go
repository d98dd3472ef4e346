package modelcheck

import (
	"fmt"
	"io"
	"strings"
)

// Report prints the summary of a search and its rule coverage, then the
// counterexample if there is one, last, so that it ends the output.
func (r *Result) Report(w io.Writer) {
	switch {
	case r.Violation != nil:
	case r.Complete:
		fmt.Fprintln(w, "Model checking completed. No error has been found.")
	case r.DepthBound > 0:
		fmt.Fprintf(w, "Every state within %d steps of the initial state was explored (-depth). No error has been found.\n", r.DepthBound)
	case r.Stopped != "":
		fmt.Fprintf(w, "Search stopped %s, before the state space was exhausted. No error has been found so far.\n", r.Stopped)
	default:
		fmt.Fprintln(w, "Search stopped at a limit before the state space was exhausted. No error has been found so far.")
	}
	rate := float64(r.Distinct) / r.Elapsed.Seconds()
	fmt.Fprintf(w, "%d states generated, %d distinct states found, depth %d, in %s (%.0f distinct states/s).\n",
		r.Generated, r.Distinct, r.Depth, r.Elapsed.Round(1e6), rate)
	if r.Mode == Walk {
		fmt.Fprintf(w, "%d random walks; seed %d.\n", r.Walks, r.Seed)
	}
	if r.Distinct > 0 {
		fmt.Fprintf(w, "Fingerprint set: %d bytes, %.1f bytes per distinct state.\n", r.FPBytes, float64(r.FPBytes)/float64(r.Distinct))
		if r.PeakResident > 0 {
			fmt.Fprintf(w, "Peak resident memory: %d bytes, %.1f bytes per distinct state.\n", r.PeakResident, float64(r.PeakResident)/float64(r.Distinct))
		}
	}
	fmt.Fprintf(w, "The probability of a fingerprint collision is calculated as %.1E (distinct × generated / 2^64).\n", r.Collision)
	r.coverage(w)
	if v := r.Violation; v != nil {
		fmt.Fprintf(w, "Error: %s violated: %v\n", v.Kind, v.Err)
		if len(v.Trace) > 0 {
			switch r.Mode {
			case DFS:
				fmt.Fprintf(w, "A behavior that breaks it, %d steps (depth-first search: maybe not the shortest):\n", len(v.Trace))
			case Walk:
				fmt.Fprintf(w, "The random walk that breaks it (seed %d), %d steps:\n", r.Seed, len(v.Trace))
			default:
				fmt.Fprintf(w, "The shortest behavior found that breaks it, %d steps:\n", len(v.Trace))
			}
		}
		for _, s := range v.Trace {
			s.print(w)
		}
	}
}

func (s Step) print(w io.Writer) {
	rules := "no rule"
	if len(s.Rules) > 0 {
		rules = strings.Join(s.Rules, ", ")
	}
	from := ""
	if s.From != "" {
		from = " from " + s.From
	}
	seq := fmt.Sprintf("seq %d", s.Seq)
	if s.Lines == 2 {
		seq = fmt.Sprintf("seq %d-%d", s.Seq, s.Seq+1)
	}
	fmt.Fprintf(w, "%3d. %s r%d%s: %s [%s] (%s)\n", s.Number, s.Action, s.Replica, from, s.Detail, rules, seq)
	for _, c := range s.Changed {
		fmt.Fprintf(w, "       %s = %s\n", c.Field, c.After)
	}
	for _, m := range s.Sent {
		fmt.Fprintf(w, "       sent %s\n", m)
	}
	for _, l := range s.Full {
		fmt.Fprintf(w, "       | %s\n", l)
	}
}

// coverage prints how often each rule fired and the rules that never did.
func (r *Result) coverage(w io.Writer) {
	fmt.Fprintln(w, "Rule coverage (transitions that fired each rule):")
	var never []string
	for id := 1; id < len(r.Fired) && id < len(r.Rules); id++ {
		fmt.Fprintf(w, "  %-30s %d\n", r.Rules[id], r.Fired[id])
		if r.Fired[id] == 0 {
			never = append(never, r.Rules[id])
		}
	}
	if len(never) > 0 {
		fmt.Fprintf(w, "Rules that never fired: %s\n", strings.Join(never, ", "))
	}
}
