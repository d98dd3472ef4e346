package spec

// Node is a node's whole state.
//
// A crash keeps the durable fields, which a real node forces to its log
// before it sends anything that depends on them: Config, Index, Tx, Client,
// Ballot and Verdict. It loses the volatile ones: Collecting, Yes and No.
// Down is the crash itself. A participant therefore never votes twice nor
// forgets a decision, and a coordinator that crashed while collecting votes
// knows on restart which transaction to abort and whom to tell.
//
//vsr:state
type Node struct {
	Config Config
	// Index is this node's position in the configuration. Durable.
	Index NodeIndex
	// Down reports that the node has crashed and not restarted yet; a down
	// node answers no event but Restart.
	Down bool
	// Tx is the transaction this node works on, 0 before any. Durable.
	Tx TxID
	// Client is, at the coordinator, the client that began Tx. Durable.
	Client ClientID
	// Ballot is, at a participant, its vote on Tx. Durable.
	Ballot Ballot
	// Verdict is the fate of Tx as far as this node knows. Durable.
	Verdict Verdict
	// Collecting reports, at the coordinator, that it waits for votes.
	// Volatile.
	Collecting bool
	// Yes and No hold, at the coordinator, the participants that voted
	// yes and no on Tx. Volatile.
	Yes NodeSet
	No  NodeSet
}

// NewNode returns node i of configuration c before any transaction.
func NewNode(c Config, i NodeIndex) Node {
	if c.Nodes < 2 || c.Nodes > nodesMax || int(i) >= int(c.Nodes) {
		panic("spec: NewNode: index out of the configuration")
	}
	return Node{Config: c, Index: i}
}

func (r *Node) isCoordinator() bool { return r.Index == coordinator }

// decide records verdict v for Tx at the coordinator, tells the
// participants and replies to the client (2PC.3).
func (r *Node) decide(v Verdict, out *Effects) {
	r.Collecting = false
	r.Verdict = v
	out.Broadcast(Decision{Tx: r.Tx, Verdict: v})
	out.Reply(r.Client, Outcome{Tx: r.Tx, Verdict: v})
}
