------------------------------ MODULE VSRTrace ------------------------------
(***************************************************************************)
(* Checks a trace (spec/tla/TRACE.md) against VSR.tla with TLC.            *)
(*                                                                          *)
(* The trace is read with the Json module; its header gives the constants  *)
(* of VSR.tla.  A cursor l walks the steps: each step line must be an      *)
(* action of VSR.tla at its node with its args, and the node's state after *)
(* it must be the line's state.  A rule followed by a line of the quorum   *)
(* rule it triggered is one step of VSR.tla, the quorum rule's action;     *)
(* the first line's state is then the state after the first rule alone.   *)
(* The network's faults are the actions DropMessage and DuplicateMessage.  *)
(* The Lamport clocks are the Go replay's to check, not this module's.     *)
(*                                                                          *)
(* A run's trace (kind "vsr-run") comes from the runtime's nodes, whose    *)
(* environment nothing bounds; its lines take VSR.tla's rules through an   *)
(* environment to match (RunStep): a line may deliver any message an       *)
(* earlier line sent its node, any number of times, since the real network *)
(* may duplicate it; requests, timeouts, crashes and restarts come at any  *)
(* time, with any client, operation and nonce; and the application's       *)
(* results are the run's, so states are compared without the results in   *)
(* their client tables.  The invariants and action properties are the same.*)
(*                                                                          *)
(* TLC explores the behaviors of VSR.tla that the trace allows; the        *)
(* POSTCONDITION TraceAccepted holds when one of them consumed every line. *)
(* It prints how many lines matched, so a rejection names the first line   *)
(* that matches no action.  Run with one worker: the count is kept in a    *)
(* TLC register.                                                           *)
(***************************************************************************)
EXTENDS VSR, Json

CONSTANT TraceFile

TraceLines == ndJsonDeserialize(TraceFile)
Header == TraceLines[1]
Trace == SubSeq(TraceLines, 2, Len(TraceLines))

\* A run's trace, or the checker's.
IsRun == Header.kind = "vsr-run"

\* The constants of VSR.tla, from the header; a configuration substitutes
\* them. A run's header has no clients, values or bounds: the run's
\* environment (RunStep) uses none.
TraceNumReplicas == Header.replicas
TraceNumClients == IF IsRun THEN 0 ELSE Header.clients
TraceValues == IF IsRun THEN {} ELSE {Header.values[i] : i \in DOMAIN Header.values}
Bound(b) == IF b < 0 THEN 0 ELSE b
HeaderBound(k) == IF IsRun THEN 0 ELSE Header.bounds[k]
\* A bound that older headers lack, 0 when absent.
BoundOr0(k) == IF IsRun \/ k \notin DOMAIN Header.bounds THEN 0 ELSE Header.bounds[k]
TraceViewChangeTimeouts == Bound(HeaderBound("viewChangeTimeouts"))
TraceCommitTimeouts == Bound(HeaderBound("commitTimeouts"))
TraceRecoveryTimeouts == Bound(HeaderBound("recoveryTimeouts"))
TraceUnboundedTimeouts ==
    {k \in {"CommitTimeout", "ViewChangeTimeout", "RecoveryTimeout", "LeaseTimeout"} :
        LET b == CASE k = "CommitTimeout" -> HeaderBound("commitTimeouts")
                   [] k = "ViewChangeTimeout" -> HeaderBound("viewChangeTimeouts")
                   [] k = "RecoveryTimeout" -> HeaderBound("recoveryTimeouts")
                   [] k = "LeaseTimeout" -> BoundOr0("leaseTimeouts")
        IN b < 0}
TraceDrops == HeaderBound("drops")
TraceDuplicates == HeaderBound("duplicates")
TraceCrashes == HeaderBound("crashes")
TraceMaxDown == HeaderBound("maxDown")
TraceStateTransfer == Header.options.stateTransfer
TraceRecovery == Header.options.recovery
TraceStartViewInNormal == Header.options.startViewInNormal
\* A header without batch or pipeline has the paper's Prepares.
TraceBatch == IF "batch" \in DOMAIN Header.options THEN Max(1, Header.options.batch) ELSE 1
TracePipeline == IF "pipeline" \in DOMAIN Header.options THEN Header.options.pipeline ELSE 0
\* A header without checkpoint or viewChangeLog takes no checkpoints and
\* sends whole logs in view changes.
TraceCheckpointInterval == IF "checkpoint" \in DOMAIN Header.options THEN Header.options.checkpoint ELSE 0
TraceViewChangeLog == IF "viewChangeLog" \in DOMAIN Header.options THEN Header.options.viewChangeLog ELSE 0
\* A header without leases or clocks has none.
Option(k) == IF k \in DOMAIN Header.options THEN Header.options[k] ELSE 0
TraceLease == Option("lease")
TraceLeaseMargin == Option("leaseMargin")
TraceLeaseTimeouts == Bound(BoundOr0("leaseTimeouts"))
TraceTicks == BoundOr0("ticks")
TraceDrift == BoundOr0("drift")
\* A header without members or reconfigure has every replica in the group
\* of epoch 0 and no administrator; the administrator is the client after
\* the clients, or a run's options.admin.
TraceInitialMembers ==
    IF "members" \in DOMAIN Header.options
    THEN {Header.options.members[i] : i \in DOMAIN Header.options.members} ELSE {}
TraceReconfigure ==
    IF ~IsRun /\ "reconfigure" \in DOMAIN Header.bounds
    THEN {Header.bounds.reconfigure[i] : i \in DOMAIN Header.bounds.reconfigure} ELSE {}
TraceAdmin ==
    IF IsRun THEN Option("admin")
    ELSE IF TraceReconfigure = {} THEN 0 ELSE TraceNumClients + 1

ASSUME /\ Header.schema = 1 /\ Header.kind \in {"vsr-trace", "vsr-run"}
       /\ ~IsRun => Header.values = [i \in 1 .. Len(Header.values) |-> "v" \o ToString(i)]
       /\ \A i \in 1 .. Len(Trace) : Trace[i].seq = i

VARIABLE l \* the next line of the trace to match

ToSet(s) == {s[i] : i \in DOMAIN s}

\* The fields of epochs (7), which a trace leaves out while they are zero
\* (trace.epochFields): j's value of key k, or d when it has none.
Or(j, k, d) == IF k \in DOMAIN j THEN j[k] ELSE d
SetOr(j, k) == IF k \in DOMAIN j THEN ToSet(j[k]) ELSE {}
With(j, k, v) == [f \in DOMAIN j \cup {k} |-> IF f = k THEN v ELSE j[f]]

\* A request of the trace as VSR.tla holds it, and a sequence of them.
ReqOf(q) == With(With(q, "reconfigure", SetOr(q, "reconfigure")), "epoch", Or(q, "epoch", 0))
ReqsOf(qs) == [i \in DOMAIN qs |-> ReqOf(qs[i])]
ReplyOf(p) == With(p, "epoch", Or(p, "epoch", 0))

\* The messages that carry their epoch.
EpochTagged == {"Prepare", "PrepareOK", "Commit", "StartViewChange", "DoViewChange", "StartView", "GetState",
                "NewState", "GetDoViewChange", "GetStartView", "RequestLease", "GrantLease", "RecoveryResponse",
                "StartEpoch", "EpochStarted"}

\* A client table of the trace, an array sorted by client, as VSR.tla
\* holds it: a function from clients.
TableOf(t) ==
    [c \in {t[i].client : i \in DOMAIN t} |->
        LET e == t[CHOOSE i \in DOMAIN t : t[i].client = c]
        IN [request |-> e.request, executed |-> e.executed, reply |-> ReplyOf(e.reply)]]

\* A checkpoint of the trace as VSR.tla holds it.
CheckpointOf(c) == [op |-> c.op, clientTable |-> TableOf(c.clientTable), state |-> c.state]

\* A message of the trace as VSR.tla holds it: its checkpoint's table, its
\* requests, its epoch and its groups too.
MsgOf(m) ==
    LET m1 == IF "checkpoint" \in DOMAIN m THEN [m EXCEPT !.checkpoint = CheckpointOf(@)] ELSE m
        m2 == IF m.type \in EpochTagged THEN With(m1, "epoch", Or(m1, "epoch", 0)) ELSE m1
        m3 == IF "requests" \in DOMAIN m2 THEN [m2 EXCEPT !.requests = ReqsOf(@)] ELSE m2
        m4 == IF "log" \in DOMAIN m3 THEN [m3 EXCEPT !.log = ReqsOf(@)] ELSE m3
        m5 == IF m.type = "RecoveryResponse"
              THEN With(With(With(m4, "members", SetOr(m4, "members")), "oldMembers", SetOr(m4, "oldMembers")),
                        "epochStart", Or(m4, "epochStart", 0))
              ELSE m4
        m6 == IF m.type = "StartEpoch" THEN [m5 EXCEPT !.old = ToSet(@), !.new = ToSet(@)] ELSE m5
    IN IF m.type = "Request" THEN ReqOf(m6) ELSE m6

MsgsOf(ms) == [i \in DOMAIN ms |-> MsgOf(ms[i])]

\* A replica state of the trace as VSR.tla holds it.
StateOf(j) ==
    [status |-> j.status, view |-> j.view, lastNormalView |-> j.lastNormalView,
     opNumber |-> j.opNumber, commitNumber |-> j.commitNumber, logStart |-> j.logStart, log |-> ReqsOf(j.log),
     clientTable |-> TableOf(j.clientTable), checkpoint |-> CheckpointOf(j.checkpoint),
     prepareOKs |-> [o \in {j.prepareOKs[i].op : i \in DOMAIN j.prepareOKs} |->
                       ToSet(j.prepareOKs[CHOOSE i \in DOMAIN j.prepareOKs : j.prepareOKs[i].op = o].from)],
     startViewChanges |-> ToSet(j.startViewChanges),
     sentDoViewChange |-> j.sentDoViewChange,
     doViewChanges |-> MsgsOf(j.doViewChanges), nonce |-> j.nonce,
     recoveryResponses |-> MsgsOf(j.recoveryResponses),
     crashVectorFrom |-> ToSet(j.crashVectorFrom), crashVector |-> j.crashVector,
     viewStart |-> j.viewStart, lease |-> j.lease, leaseRound |-> j.leaseRound,
     leaseAge |-> j.leaseAge, leaseGrants |-> ToSet(j.leaseGrants), promise |-> j.promise,
     epoch |-> Or(j, "epoch", 0), members |-> IF "members" \in DOMAIN j THEN ToSet(j.members) ELSE Group0,
     oldMembers |-> SetOr(j, "oldMembers"), epochStart |-> Or(j, "epochStart", 0),
     epochStarted |-> SetOr(j, "epochStarted")]

\* Rep(r) without its index.
Fields(s) == [f \in DOMAIN s \ {"index"} |-> s[f]]

\* A client table as the trace's kind compares it: a run's without the
\* application's results, which VSR.tla does not compute.
Table(t) ==
    IF IsRun THEN [c \in DOMAIN t |-> [t[c] EXCEPT !.reply = [@ EXCEPT !.result = ""]]] ELSE t

\* A checkpoint as the trace's kind compares it: a run's without the
\* application's results and snapshot.
Ckpt(c) == IF IsRun THEN [c EXCEPT !.clientTable = Table(@), !.state = ""] ELSE c

\* A message as the trace's kind compares it, and a sequence of them.
Msg(m) == IF "checkpoint" \in DOMAIN m THEN [m EXCEPT !.checkpoint = Ckpt(@)] ELSE m
Msgs(ms) == [i \in DOMAIN ms |-> Msg(ms[i])]

\* A state as the trace's kind compares it.
Compared(s) ==
    [s EXCEPT !.clientTable = Table(@), !.checkpoint = Ckpt(@),
              !.doViewChanges = Msgs(@), !.recoveryResponses = Msgs(@)]

\* The node's state after the step is the line's. (Each variable is primed
\* on its own: r stands for an expression of the current state.)
Matches(r, j) ==
    LET s == StateOf(j)
    IN /\ status'[r] = s.status /\ view'[r] = s.view /\ lastNormalView'[r] = s.lastNormalView
       /\ opNumber'[r] = s.opNumber /\ commitNumber'[r] = s.commitNumber
       /\ logStart'[r] = s.logStart /\ log'[r] = s.log
       /\ Table(clientTable'[r]) = Table(s.clientTable) /\ Ckpt(checkpoint'[r]) = Ckpt(s.checkpoint)
       /\ prepareOKs'[r] = s.prepareOKs
       /\ startViewChanges'[r] = s.startViewChanges /\ sentDoViewChange'[r] = s.sentDoViewChange
       /\ Msgs(doViewChanges'[r]) = Msgs(s.doViewChanges) /\ nonce'[r] = s.nonce
       /\ Msgs(recoveryResponses'[r]) = Msgs(s.recoveryResponses) /\ crashVectorFrom'[r] = s.crashVectorFrom
       /\ crashVector'[r] = s.crashVector
       /\ viewStart'[r] = s.viewStart /\ lease'[r] = s.lease /\ leaseRound'[r] = s.leaseRound
       /\ leaseAge'[r] = s.leaseAge /\ leaseGrants'[r] = s.leaseGrants /\ promise'[r] = s.promise
       /\ epoch'[r] = s.epoch /\ members'[r] = s.members /\ oldMembers'[r] = s.oldMembers
       /\ epochStart'[r] = s.epochStart /\ epochStarted'[r] = s.epochStarted

\* The quorum rules, from VSR.tla's dispatch table.
QuorumNames == UNION {{QuorumRules(t)[i] : i \in DOMAIN QuorumRules(t)} : t \in MessageTypes}

\* The action of VSR.tla that the line names.
Do(name, r, m) ==
    CASE name = "ResendReply" -> ResendReply(r, m)
      [] name = "ReceiveRequest" -> ReceiveRequest(r, m)
      [] name = "ReceivePrepare" -> ReceivePrepare(r, m)
      [] name = "RecordPrepareOK" -> RecordPrepareOK(r, m)
      [] name = "CommitOperations" -> CommitOperations(r, m)
      [] name = "ReceiveCommit" -> ReceiveCommit(r, m)
      [] name = "AckCommit" -> AckCommit(r, m)
      [] name = "SendCommit" -> SendCommit(r, m)
      [] name = "CrashReplica" -> CrashReplica(r, m)
      [] name = "RestartReplica" -> RestartReplica(r, m)
      [] name = "RetryRecovery" -> RetryRecovery(r, m)
      [] name = "SendCrashVector" -> SendCrashVector(r, m)
      [] name = "RecordCrashVector" -> RecordCrashVector(r, m)
      [] name = "StartRecovery" -> StartRecovery(r, m)
      [] name = "SendRecoveryResponse" -> SendRecoveryResponse(r, m)
      [] name = "RecordRecoveryResponse" -> RecordRecoveryResponse(r, m)
      [] name = "FinishRecovery" -> FinishRecovery(r, m)
      [] name = "GetStateInView" -> GetStateInView(r, m)
      [] name = "GetStateOnNewerPrepare" -> GetStateOnNewerPrepare(r, m)
      [] name = "GetStateOnNewerCommit" -> GetStateOnNewerCommit(r, m)
      [] name = "SendNewState" -> SendNewState(r, m)
      [] name = "ReceiveNewState" -> ReceiveNewState(r, m)
      [] name = "ReceiveNewStateNewView" -> ReceiveNewStateNewView(r, m)
      [] name = "StartViewChangeOnTimeout" -> StartViewChangeOnTimeout(r, m)
      [] name = "JoinViewChange" -> JoinViewChange(r, m)
      [] name = "RecordStartViewChange" -> RecordStartViewChange(r, m)
      [] name = "SendDoViewChange" -> SendDoViewChange(r, m)
      [] name = "JoinViewChangeOnDoViewChange" -> JoinViewChangeOnDoViewChange(r, m)
      [] name = "RecordDoViewChange" -> RecordDoViewChange(r, m)
      [] name = "StartNewView" -> StartNewView(r, m)
      [] name = "ReceiveStartView" -> ReceiveStartView(r, m)
      [] name = "FetchDoViewChange" -> FetchDoViewChange(r, m)
      [] name = "ResendDoViewChange" -> ResendDoViewChange(r, m)
      [] name = "FetchStartView" -> FetchStartView(r, m)
      [] name = "SendStartView" -> SendStartView(r, m)
      [] name = "ServeRead" -> ServeRead(r, m)
      [] name = "RenewLease" -> RenewLease(r, m)
      [] name = "PromiseLease" -> PromiseLease(r, m)
      [] name = "ExtendLease" -> ExtendLease(r, m)
      [] name = "CountDownLease" -> CountDownLease(r, m)
      [] name = "ReceiveStartEpoch" -> ReceiveStartEpoch(r, m)
      [] name = "RecordEpochStarted" -> RecordEpochStarted(r, m)
      [] name = "ShutDown" -> ShutDown(r, m)
      [] name = "ResendStartEpoch" -> ResendStartEpoch(r, m)
      [] name = "DropMessage" -> DropMessage(r, m)
      [] name = "DuplicateMessage" -> DuplicateMessage(r, m)
      [] OTHER -> FALSE

\* Line l alone is one step.
OneLine ==
    LET e == Trace[l]
    IN /\ e.action \notin QuorumNames
       /\ Do(e.action, e.node, MsgOf(e.args))
       /\ Matches(e.node, e.state)
       /\ l' = l + 1

\* Lines l and l+1 are a rule and the quorum rule it triggered, one step.
TwoLines ==
    LET e == Trace[l]
        q == Trace[l + 1]
    IN /\ l + 1 <= Len(Trace)
       /\ e.action \notin QuorumNames /\ q.action \in QuorumNames
       /\ q.node = e.node /\ q.args = e.args
       /\ Do(q.action, e.node, MsgOf(e.args))
       /\ LET d == Dispatch(Rep(e.node), MsgOf(e.args))
          IN d.rule = e.action /\ Compared(Fields(d.mid)) = Compared(StateOf(e.state))
       /\ Matches(e.node, q.state)
       /\ l' = l + 2

(***************************************************************************)
(* The environment of a run.                                               *)
(***************************************************************************)

\* Replica r takes the step on event m, as a run takes it, in which rule
\* name is the last to fire: the network keeps every message, so that a
\* later line may deliver it again, and nothing bounds the events.
RunApply(r, m, name) ==
    LET s == Rep(r)
        rule == FirstEnabled(EventRules(m.type), s, m)
    IN /\ rule # ""
       /\ rule = name \/ \E i \in DOMAIN QuorumRules(m.type) : QuorumRules(m.type)[i] = name
       /\ LET d == DispatchRule(s, m, rule)
          IN /\ LastRule(d) = name
             /\ SetRep(r, d.st)
             /\ net' = AddSent(net, r, d.out)
             /\ acked' = IF LastRule(d) = "ServeRead" THEN acked ELSE acked \cup Replies(d.out)
             /\ UNCHANGED <<clients, submitted, timeoutsLeft, dropsLeft, dupsLeft, crashesLeft, restarts, clocks, admin>>

\* The step of replica r on event m of a run's line. A message is one
\* that VSR.tla sent r, as it sent it: the line's may differ in the
\* application's results and snapshots (Msg), which VSR.tla does not
\* compute, and its own keep its states consistent.
RunStep(r, m, name) ==
    /\ r \in Replicas
    /\ IF m.type \in MessageTypes
       THEN \E k \in DOMAIN net : k[1] = r /\ Msg(k[2]) = Msg(m) /\ RunApply(r, k[2], name)
       ELSE RunApply(r, m, name)

\* Line l of a run alone is one step.
RunOneLine ==
    LET e == Trace[l]
    IN /\ e.action \notin QuorumNames
       /\ RunStep(e.node, MsgOf(e.args), e.action)
       /\ Matches(e.node, e.state)
       /\ l' = l + 1

\* Lines l and l+1 of a run are a rule and the quorum rule it triggered.
RunTwoLines ==
    LET e == Trace[l]
        q == Trace[l + 1]
    IN /\ l + 1 <= Len(Trace)
       /\ e.action \notin QuorumNames /\ q.action \in QuorumNames
       /\ q.node = e.node /\ q.args = e.args
       /\ RunStep(e.node, MsgOf(e.args), q.action)
       /\ LET d == Dispatch(Rep(e.node), MsgOf(e.args))
          IN d.rule = e.action /\ Compared(Fields(d.mid)) = Compared(StateOf(e.state))
       /\ Matches(e.node, q.state)
       /\ l' = l + 2

TraceInit == Init /\ l = 1

TraceNext ==
    /\ l <= Len(Trace)
    /\ IF IsRun THEN RunOneLine \/ RunTwoLines ELSE OneLine \/ TwoLines

TraceSpec == TraceInit /\ [][TraceNext]_<<vars, l>>

\* The furthest line matched, kept in TLC register 1 (a state constraint
\* that always holds).
ASSUME TLCSet(1, 1)
TrackProgress == TLCSet(1, IF l > TLCGet(1) THEN l ELSE TLCGet(1))

TraceAccepted ==
    /\ PrintT(<<"VSRTrace: matched lines", TLCGet(1) - 1, "of", Len(Trace)>>)
    /\ TLCGet(1) = Len(Trace) + 1
=============================================================================
