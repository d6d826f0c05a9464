//! The Plan panel's search: a pool of Web Workers, sized to the machine's cores, that
//! evaluates a plan's candidates one after another and summarizes the results as they come.
//!
//! Why a hook: the pool, the search's generation (a newer search or Cancel makes the older
//! one's late answers void) and the live results outlive renders and must be dropped with
//! the panel; keeping them here leaves the panel with its form and its table.

use std::cell::RefCell;
use std::rc::Rc;

use pdsim::plan::PlanRequest;
use pdsim_web::{post, spawn_worker, Answer, AsJson, Job, PanelPlan, SimBridge};
use yew::prelude::*;

/// Workers to run candidates on: the machine's cores, 1 to 8.
fn pool_size() -> usize {
    let cores = gloo::utils::window().navigator().hardware_concurrency();
    (cores as usize).clamp(1, 8)
}

/// What the panel shows: the candidates' results as the workers answered them (JSON, kept
/// as it is: the planner's types live in the worker) and their latest summary.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// Candidates of the search.
    pub total: usize,
    /// Their results so far (JSON).
    pub results: Vec<String>,
    /// The latest summary of the results.
    pub plan: Option<PanelPlan>,
    /// Why the search stopped, if it failed.
    pub error: Option<String>,
    /// Whether it is still going.
    pub running: bool,
    /// Whether it was cancelled.
    pub cancelled: bool,
}

/// The search as the panel uses it.
#[derive(Debug)]
pub struct PlanSearch {
    /// What to show (re-rendered on every answer).
    pub progress: UseStateHandle<Progress>,
    /// Starts a search of this request (stopping the one going).
    pub start: Callback<PlanRequest>,
    /// Stops the search going.
    pub cancel: Callback<()>,
}

/// A plan search on a pool of workers (see the module's comment).
#[hook]
pub fn use_plan_search() -> PlanSearch {
    let progress = use_state(Progress::default);
    // The live results (workers answer into it; `progress` is its rendered copy).
    let live = use_mut_ref(Progress::default);
    // The pool of the current search; dropping it stops its workers.
    let pool = use_mut_ref(Vec::<SimBridge>::new);
    let generation = use_mut_ref(|| 0_u64);

    let start = {
        let progress = progress.clone();
        let live = live.clone();
        let pool = pool.clone();
        let generation = generation.clone();
        Callback::from(move |request: PlanRequest| {
            *generation.borrow_mut() += 1;
            let this_run = *generation.borrow();
            let p = Progress {
                running: true,
                ..Progress::default()
            };
            *live.borrow_mut() = p.clone();
            progress.set(p);
            let live = live.clone();
            let progress = progress.clone();
            let pool = pool.clone();
            let generation = generation.clone();
            wasm_bindgen_futures::spawn_local(async move {
                // One worker lists the candidates and, later, summarizes the results.
                let summarizer = spawn_worker();
                let fail = |message: String| {
                    let mut p = live.borrow_mut();
                    p.error = Some(message);
                    p.running = false;
                    progress.set(p.clone());
                };
                let total = match post(&summarizer, Job::PlanCount(AsJson(request.clone()))).await {
                    Answer::Count(Ok(n)) => n,
                    Answer::Count(Err(e)) => return fail(e),
                    _ => return fail("the worker answered something else".into()),
                };
                if *generation.borrow() != this_run {
                    return;
                }
                {
                    let mut p = live.borrow_mut();
                    p.total = total as usize;
                    p.running = total > 0;
                    progress.set(p.clone());
                }
                let workers: Vec<SimBridge> = (0..pool_size().min(total.max(1) as usize))
                    .map(|_| spawn_worker())
                    .collect();
                *pool.borrow_mut() = workers.iter().map(SimBridge::fork).collect();
                pool.borrow_mut().push(summarizer.fork());
                // Each worker takes the next candidate when it finishes one.
                let next = Rc::new(RefCell::new(0_u32));
                for worker in workers {
                    let (next, request, live, progress, generation) = (
                        next.clone(),
                        request.clone(),
                        live.clone(),
                        progress.clone(),
                        generation.clone(),
                    );
                    let summarizer = summarizer.fork();
                    wasm_bindgen_futures::spawn_local(async move {
                        loop {
                            let index = {
                                let mut n = next.borrow_mut();
                                *n += 1;
                                *n - 1
                            };
                            if *generation.borrow() != this_run || index >= total {
                                return;
                            }
                            let job = Job::PlanCandidate(AsJson(request.clone()), index);
                            let answer = post(&worker, job).await;
                            if *generation.borrow() != this_run {
                                return;
                            }
                            let results = {
                                let mut p = live.borrow_mut();
                                match answer {
                                    Answer::Text(Ok(json)) => p.results.push(json),
                                    Answer::Text(Err(e)) => p.error = Some(e),
                                    _ => p.error = Some("a worker answered something else".into()),
                                }
                                p.running = p.results.len() < p.total && p.error.is_none();
                                progress.set(p.clone());
                                p.results.clone()
                            };
                            let job = Job::PlanSummary(AsJson(request.clone()), results);
                            let summary = post(&summarizer, job).await;
                            if *generation.borrow() != this_run {
                                return;
                            }
                            let mut p = live.borrow_mut();
                            match summary {
                                // A summary of fewer results than the one shown is stale.
                                Answer::Plan(Ok(plan)) => {
                                    let newer = p
                                        .plan
                                        .as_ref()
                                        .is_none_or(|old| old.rows.len() <= plan.rows.len());
                                    if newer {
                                        p.plan = Some(plan);
                                    }
                                }
                                Answer::Plan(Err(e)) => p.error = Some(e),
                                _ => {}
                            }
                            progress.set(p.clone());
                        }
                    });
                }
            });
        })
    };

    let cancel = {
        let progress = progress.clone();
        Callback::from(move |()| {
            *generation.borrow_mut() += 1;
            pool.borrow_mut().clear();
            let mut p = live.borrow_mut();
            p.running = false;
            p.cancelled = true;
            progress.set(p.clone());
        })
    };

    PlanSearch {
        progress,
        start,
        cancel,
    }
}
