package spec

// Begin asks the coordinator to commit transaction Tx (2PC.1).
//
//vsr:request
type Begin struct {
	Client ClientID
	Tx     TxID
}

// Prepare asks a participant to vote on transaction Tx (2PC.1).
//
//vsr:message
type Prepare struct {
	Tx TxID
}

// Vote carries a participant's ballot to the coordinator (2PC.2).
//
//vsr:message
type Vote struct {
	Tx     TxID
	From   NodeIndex
	Ballot Ballot
}

// Decision tells a participant the fate of transaction Tx (2PC.3).
//
//vsr:message
type Decision struct {
	Tx      TxID
	Verdict Verdict
}

// Outcome tells the client the fate of its transaction (2PC.3).
//
//vsr:reply
type Outcome struct {
	Tx      TxID
	Verdict Verdict
}

// VoteTimeout fires at the coordinator when votes are slow to come (2PC.4).
//
//vsr:timeout
type VoteTimeout struct{}
