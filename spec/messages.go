package spec

// Request asks the primary to execute an operation: ⟨REQUEST op, c, s⟩ (4.1).
//
//vsr:request
type Request struct {
	Op      []byte
	Client  ClientID
	Request RequestNumber
}

// Prepare carries a new operation from the primary to the backups:
// ⟨PREPARE v, m, n, k⟩ (4.1 step 3).
//
//vsr:message
type Prepare struct {
	View    ViewNumber
	Request Request
	Op      OpNumber
	Commit  OpNumber
}

// PrepareOK acknowledges a Prepare: ⟨PREPAREOK v, n, i⟩ (4.1 step 4).
//
//vsr:message
type PrepareOK struct {
	View    ViewNumber
	Op      OpNumber
	Replica ReplicaIndex
}

// Commit tells the backups the commit-number when the primary has no new
// request to prepare: ⟨COMMIT v, k⟩ (4.1 step 6).
//
//vsr:message
type Commit struct {
	View   ViewNumber
	Commit OpNumber
}

// Reply answers a client: ⟨REPLY v, s, x⟩ (4.1 step 5).
//
//vsr:reply
type Reply struct {
	View    ViewNumber
	Request RequestNumber
	Client  ClientID
	Result  []byte
}

// CommitTimeout fires at the primary when it has sent no Prepare for a
// while (4.1 step 6).
//
//vsr:timeout
type CommitTimeout struct{}
