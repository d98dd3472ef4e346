package trace

import "github.com/viewstamped/vsr/route"

// lamport keeps the Lamport clocks of a trace: each replica's clock, and
// for each message in flight the clock of the line that last sent it.
type lamport struct {
	node []int
	sent map[sentKey]int
}

type sentKey struct {
	to  int
	msg string
}

func newLamport(n int) *lamport {
	return &lamport{node: make([]int, n), sent: map[sentKey]int{}}
}

// tick returns the clock of a rule line of replica r that consumes msg, or
// nothing when msg is nil, and makes it the replica's clock: one more than
// the replica's clock and than the clock of the line that last sent msg to
// r.
func (l *lamport) tick(r int, msg []byte) int {
	c := l.node[r]
	if msg != nil {
		c = max(c, l.sent[sentKey{r, string(msg)}])
	}
	l.node[r] = c + 1
	return c + 1
}

// sends records that a line with clock at replica from sent effects.
func (l *lamport) sends(from, clock int, effects []route.Effect) {
	route.Deliver(from, len(l.node), effects, func(to int, msg []byte) {
		l.sent[sentKey{to, string(msg)}] = clock
	}, func(uint64, []byte) {})
}
