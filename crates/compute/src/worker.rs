//! The loop each timely worker runs: take commands, build and step
//! dataflows, answer peeks.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use differential_dataflow::consolidation::consolidate;
use freshet_expr::{EvalError, RelExpr};
use freshet_repr::{Diff, Row, Timestamp};
use timely::dataflow::ProbeHandle;
use timely::worker::Worker;

use crate::protocol::{ComputeCommand, ComputeResponse, PeekId};
use crate::render::{self, Inputs};

/// A peek whose dataflow is running on this worker.
struct ActivePeek {
    id: PeekId,
    dataflow: usize,
    probe: ProbeHandle<Timestamp>,
    rows: Rc<RefCell<Vec<(Row, Diff)>>>,
    errors: Rc<RefCell<Vec<(EvalError, Diff)>>>,
}

/// Runs commands until told to shut down or the controller goes away.
pub(crate) fn run(worker: &mut Worker, commands: &Receiver<ComputeCommand>, responses: &Sender<ComputeResponse>) {
    let mut peeks: Vec<ActivePeek> = Vec::new();
    loop {
        loop {
            match commands.try_recv() {
                Ok(ComputeCommand::Peek { id, plan, inputs }) => peeks.push(install_peek(worker, id, &plan, &inputs)),
                Ok(ComputeCommand::Shutdown) | Err(TryRecvError::Disconnected) => return,
                Err(TryRecvError::Empty) => break,
            }
        }
        let mut i = 0;
        while i < peeks.len() {
            if peeks[i].probe.done() {
                let peek = peeks.swap_remove(i);
                worker.drop_dataflow(peek.dataflow);
                let result = peek_result(&peek);
                tracing::debug!(peek = peek.id, worker = worker.index(), "peek finished");
                // The controller may have given up on the peek; nothing to do then.
                let _ = responses.send(ComputeResponse::PeekResponse {
                    id: peek.id,
                    worker: worker.index(),
                    result,
                });
            } else {
                i += 1;
            }
        }
        // With peeks in flight, wake up regularly so progress that needs no
        // activation is noticed; otherwise park until a command arrives.
        let park = if peeks.is_empty() {
            None
        } else {
            Some(Duration::from_millis(1))
        };
        worker.step_or_park(park);
    }
}

fn install_peek(worker: &mut Worker, id: PeekId, plan: &RelExpr, inputs: &Inputs) -> ActivePeek {
    let dataflow = worker.next_dataflow_index();
    let (index, peers) = (worker.index(), worker.peers());
    let rows = Rc::new(RefCell::new(Vec::new()));
    let errors = Rc::new(RefCell::new(Vec::new()));
    let (row_sink, error_sink) = (Rc::clone(&rows), Rc::clone(&errors));
    let probe = worker.dataflow_named::<Timestamp, _, _>(&format!("peek-{id}"), move |scope| {
        let (oks, errs) = render::render(scope, plan, inputs, index, peers);
        let probe = ProbeHandle::new();
        oks.inspect(move |(row, _time, diff)| row_sink.borrow_mut().push((row.clone(), *diff)))
            .probe_with(&probe);
        errs.inspect(move |(err, _time, diff)| error_sink.borrow_mut().push((err.clone(), *diff)))
            .probe_with(&probe);
        probe
    });
    ActivePeek {
        id,
        dataflow,
        probe,
        rows,
        errors,
    }
}

/// The worker's share: consolidated rows, or the least error that is
/// still present after consolidation.
fn peek_result(peek: &ActivePeek) -> Result<Vec<(Row, Diff)>, crate::ComputeError> {
    let mut errors = peek.errors.take();
    consolidate(&mut errors);
    if let Some((error, _)) = errors.into_iter().find(|(_, diff)| *diff != 0) {
        return Err(error.into());
    }
    let mut rows = peek.rows.take();
    consolidate(&mut rows);
    Ok(rows)
}
