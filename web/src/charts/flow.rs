//! Request flow: the cluster drawn as its instances, with every request a dot that moves
//! through them over simulated time (router, prefill queue, prefill, link, decode queue,
//! decode, done), coloured by the phase it is in. Play, pause, speed and a time scrubber;
//! each instance shows how many requests it is computing and how full its KV cache is; a
//! click on a dot opens that request's waterfall.
//!
//! Everything is derived from the report's per-request records (arrival and the five TTFT
//! phases, end to end latency, instances), so what moves is exactly what the run did. Drawn
//! with the canvas 2D API directly, once per animation frame.

use std::cell::RefCell;
use std::rc::Rc;

use pdsim::report::{RequestRecord, Role};
use pdsim::Report;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

use super::breakdown::{css, PHASES};
use crate::format;
use crate::state::Shared;

/// Where a request is at some instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Place {
    /// Not arrived yet, or finished long enough ago to be gone.
    Hidden,
    /// In the prefill queue of an instance.
    PrefillQueue(u32),
    /// Prefilling on an instance.
    Prefill(u32),
    /// Its KV cache on the link from one instance to another, `f` of the way.
    Link(u32, u32, f64),
    /// In the decode queue of an instance.
    DecodeQueue(u32),
    /// Decoding on an instance (its first decode step included).
    Decode(u32),
    /// Finished (shown briefly at the exit).
    Done,
}

/// Index into [`PHASES`] of a place's colour (`Decode` takes the first decode's, `Done` none).
fn phase_index(place: Place) -> Option<usize> {
    match place {
        Place::PrefillQueue(_) => Some(0),
        Place::Prefill(_) => Some(1),
        Place::Link(..) => Some(2),
        Place::DecodeQueue(_) => Some(3),
        Place::Decode(_) => Some(4),
        Place::Hidden | Place::Done => None,
    }
}

/// How long a finished request stays visible at the exit, in ms of simulated time.
const DONE_SHOWN_MS: f64 = 200.0;

/// Where request `r` is at `t` ms of simulated time.
pub fn place_of(r: &RequestRecord, t: f64) -> Place {
    let since = t - r.arrival_ms;
    if since < 0.0 {
        return Place::Hidden;
    }
    let Some(b) = r.breakdown_ms else {
        // Dropped or never started: shown waiting where it was queued until the run's end.
        return Place::PrefillQueue(r.prefill_instance);
    };
    let end = r.e2e_ms.unwrap_or(f64::INFINITY);
    if since >= end {
        return if since < end + DONE_SHOWN_MS {
            Place::Done
        } else {
            Place::Hidden
        };
    }
    let (p, d) = (r.prefill_instance, r.decode_instance);
    let mut edge = b.prefill_queue;
    if since < edge {
        return Place::PrefillQueue(p);
    }
    edge += b.prefill;
    if since < edge {
        return Place::Prefill(p);
    }
    if b.transfer > 0.0 && since < edge + b.transfer {
        return Place::Link(p, d, (since - edge) / b.transfer);
    }
    edge += b.transfer;
    if since < edge + b.decode_queue {
        return Place::DecodeQueue(d);
    }
    Place::Decode(d)
}

/// The drawing's layout: one row per instance; prefill instances (and prefills of unified
/// ones) on the left half, decoding on the right.
struct Layout {
    width: f64,
    row_h: f64,
    top: f64,
    rows: Vec<(u32, Role, f64)>,
}

impl Layout {
    fn new(report: &Report, width: f64) -> Self {
        let top = 28.0;
        let row_h = if report.instances.len() > 8 {
            34.0
        } else {
            50.0
        };
        let rows = report
            .instances
            .iter()
            .enumerate()
            .map(|(i, inst)| (inst.id, inst.role, top + row_h * (i as f64 + 0.5)))
            .collect();
        Self {
            width,
            row_h,
            top,
            rows,
        }
    }

    fn height(&self) -> f64 {
        self.top + self.row_h * self.rows.len() as f64 + 16.0
    }

    fn y(&self, instance: u32) -> f64 {
        self.rows
            .iter()
            .find(|r| r.0 == instance)
            .map_or(self.top, |r| r.2)
    }

    /// x of the columns: router, prefill queue, prefill, decode queue, decode, exit.
    fn x(&self, column: usize) -> f64 {
        let w = self.width;
        [0.04, 0.17, 0.33, 0.62, 0.78, 0.96][column] * w
    }

    /// The point of a place, spread a little by the request's id so that dots in one box
    /// do not sit on one pixel.
    fn point(&self, place: Place, id: u64) -> Option<(f64, f64)> {
        let jx = ((id.wrapping_mul(2_654_435_761) >> 7) % 1000) as f64 / 1000.0 - 0.5;
        let jy = ((id.wrapping_mul(40_503) >> 3) % 1000) as f64 / 1000.0 - 0.5;
        let spread = |x: f64, y: f64, box_w: f64| (x + jx * box_w, y + jy * self.row_h * 0.55);
        let box_w = self.width * 0.09;
        Some(match place {
            Place::Hidden => return None,
            Place::PrefillQueue(i) => spread(self.x(1), self.y(i), box_w),
            Place::Prefill(i) => spread(self.x(2), self.y(i), box_w),
            Place::Link(from, to, f) => {
                let (x0, y0) = (self.x(2) + box_w, self.y(from));
                let (x1, y1) = (self.x(3) - box_w, self.y(to));
                (x0 + (x1 - x0) * f, y0 + (y1 - y0) * f + jy * 4.0)
            }
            Place::DecodeQueue(i) => spread(self.x(3), self.y(i), box_w),
            Place::Decode(i) => spread(self.x(4), self.y(i), box_w),
            Place::Done => spread(self.x(5), self.top + self.row_h * jy.abs() * 2.0, 0.0),
        })
    }
}

/// Draws the cluster and its requests at `t` ms; returns each visible dot (id, x, y) for
/// clicks.
/// Requests in arrival order, with the longest time any stays visible: a frame looks only at
/// those that arrived within that time before it, so its cost follows the requests in
/// flight, not the run's length.
pub struct Index {
    order: Vec<usize>,
    arrivals: Vec<f64>,
    longest_ms: f64,
}

impl Index {
    /// The index of `report`'s requests.
    pub fn new(report: &Report) -> Self {
        let mut order: Vec<usize> = (0..report.requests.len()).collect();
        pdsim::stable_sort_by(&mut order, |&a, &b| {
            report.requests[a]
                .arrival_ms
                .total_cmp(&report.requests[b].arrival_ms)
        });
        let arrivals = order
            .iter()
            .map(|&i| report.requests[i].arrival_ms)
            .collect();
        let end = span_ms(report);
        let longest_ms = report
            .requests
            .iter()
            .map(|r| r.e2e_ms.unwrap_or(end - r.arrival_ms))
            .fold(0.0, f64::max)
            + DONE_SHOWN_MS;
        Self {
            order,
            arrivals,
            longest_ms,
        }
    }

    /// The requests that may be visible at `t`.
    fn around(&self, t: f64) -> &[usize] {
        let from = self.arrivals.partition_point(|&a| a < t - self.longest_ms);
        let to = self.arrivals.partition_point(|&a| a <= t);
        &self.order[from..to]
    }
}

#[allow(clippy::too_many_arguments)]
fn draw(
    ctx: &CanvasRenderingContext2d,
    scale: f64,
    layout: &Layout,
    report: &Report,
    index: &Index,
    block_size: f64,
    t: f64,
) -> Vec<(u64, f64, f64)> {
    let (w, h) = (layout.width, layout.height());
    ctx.set_transform(scale, 0.0, 0.0, scale, 0.0, 0.0).ok();
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, w, h);
    ctx.set_font("12px system-ui, sans-serif");
    ctx.set_fill_style_str("#333333");
    for (column, label) in [
        (1, "prefill queue"),
        (2, "prefill"),
        (3, "decode queue"),
        (4, "decode"),
    ] {
        ctx.set_text_align("center");
        ctx.fill_text(label, layout.x(column), 16.0).ok();
    }
    ctx.set_text_align("right");
    ctx.fill_text("done", w - 2.0, 16.0).ok();

    // Count what each instance holds now, and draw the dots.
    let n = report.instances.len();
    let mut computing = vec![0_u32; n];
    let mut kv_tokens = vec![0.0_f64; n];
    let slot = |id: u32| report.instances.iter().position(|i| i.id == id);
    let mut dots = Vec::new();
    let box_w = w * 0.09;
    for r in index.around(t).iter().map(|&i| &report.requests[i]) {
        let place = place_of(r, t);
        match place {
            Place::Prefill(i) => {
                if let Some(k) = slot(i) {
                    computing[k] += 1;
                    kv_tokens[k] += f64::from(r.input_tokens);
                }
            }
            Place::Decode(i) | Place::DecodeQueue(i) => {
                if let Some(k) = slot(i) {
                    if matches!(place, Place::Decode(_)) {
                        computing[k] += 1;
                    }
                    // Prompt plus the share of the output written so far.
                    let (start, end) = decode_span(r);
                    let done = if end > start {
                        ((t - r.arrival_ms - start) / (end - start)).clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                    kv_tokens[k] += f64::from(r.input_tokens) + done * f64::from(r.output_tokens);
                }
            }
            _ => {}
        }
        if let Some((x, y)) = layout.point(place, r.id) {
            let color =
                phase_index(place).map_or_else(|| "#9a9a9a".to_owned(), |p| css(PHASES[p].2));
            ctx.set_fill_style_str(&color);
            ctx.begin_path();
            ctx.arc(x, y, 3.0, 0.0, std::f64::consts::TAU).ok();
            ctx.fill();
            dots.push((r.id, x, y));
        }
    }

    // The instances: their boxes, names, batch and KV fill.
    for (k, inst) in report.instances.iter().enumerate() {
        let y = layout.y(inst.id);
        let half = layout.row_h * 0.3;
        let columns: &[usize] = match inst.role {
            Role::Prefill => &[2],
            Role::Decode | Role::Unified => &[2, 4],
        };
        ctx.set_stroke_style_str("#8a8f98");
        for &c in columns {
            ctx.stroke_rect(layout.x(c) - box_w, y - half, 2.0 * box_w, 2.0 * half);
        }
        let name = match inst.role {
            Role::Prefill => "P",
            Role::Decode => "D",
            Role::Unified => "U",
        };
        let capacity = inst.kv_blocks as f64 * block_size;
        let fill = if capacity > 0.0 {
            (kv_tokens[k] / capacity).min(1.0)
        } else {
            0.0
        };
        // KV fill: a thin bar under the instance's last box.
        let last = *columns.last().unwrap_or(&2);
        let (bx, by) = (layout.x(last) - box_w, y + half - 3.0);
        ctx.set_fill_style_str("#e4e6ea");
        ctx.fill_rect(bx, by, 2.0 * box_w, 3.0);
        ctx.set_fill_style_str("#6b4fbb");
        ctx.fill_rect(bx, by, 2.0 * box_w * fill, 3.0);
        // The instance's name on the left, its batch and KV fill under its last box.
        ctx.set_fill_style_str("#333333");
        ctx.set_text_align("left");
        ctx.fill_text(&format!("{name}{}", inst.id), 2.0, y + 4.0)
            .ok();
        ctx.set_font("10px system-ui, sans-serif");
        ctx.set_text_align("center");
        let stats = format!("batch {} · KV {:.0}%", computing[k], fill * 100.0);
        ctx.fill_text(&stats, layout.x(last), y + half + 11.0).ok();
        ctx.set_font("12px system-ui, sans-serif");
    }
    dots
}

/// Start and end of a request's decoding, in ms after its arrival.
fn decode_span(r: &RequestRecord) -> (f64, f64) {
    let start = r.breakdown_ms.map_or(0.0, |b| {
        b.prefill_queue + b.prefill + b.transfer + b.decode_queue
    });
    (start, r.e2e_ms.unwrap_or(start))
}

/// The run's last instant worth showing: the last completion (or arrival).
fn span_ms(report: &Report) -> f64 {
    report
        .requests
        .iter()
        .map(|r| r.arrival_ms + r.e2e_ms.unwrap_or(0.0))
        .fold(0.0, f64::max)
}

/// Playback speeds: simulated ms per real second.
const SPEEDS: [(f64, &str); 5] = [
    (100.0, "0.1x"),
    (250.0, "0.25x"),
    (1000.0, "1x"),
    (4000.0, "4x"),
    (16_000.0, "16x"),
];

/// Properties of [`Flow`].
#[derive(Properties, PartialEq)]
pub struct FlowProps {
    /// The report shown.
    pub report: Shared<Report>,
    /// Tokens per KV block (for the KV fill of each instance).
    pub block_size: u32,
}

struct Player {
    t: f64,
    playing: bool,
    speed: f64,
    last_frame: Option<f64>,
    frames: u32,
    fps_since: f64,
    dots: Vec<(u64, f64, f64)>,
}

/// The animated request-flow view with its player controls.
#[function_component(Flow)]
pub fn flow(props: &FlowProps) -> Html {
    let canvas = use_node_ref();
    let span = use_memo(props.report.clone(), |r| span_ms(r));
    let index = use_memo(props.report.clone(), |r| Index::new(r));
    let player = use_mut_ref(|| Player {
        t: 0.0,
        playing: true,
        speed: 1000.0,
        last_frame: None,
        frames: 0,
        fps_since: 0.0,
        dots: Vec::new(),
    });
    // Re-render the controls (time readout, play button) a few times a second.
    let tick = use_state(|| 0_u32);
    let picked = use_state(|| None::<u64>);

    {
        let canvas = canvas.clone();
        let player = player.clone();
        let report = props.report.clone();
        let span = *span;
        let block_size = f64::from(props.block_size.max(1));
        let tick = tick.clone();
        use_effect_with(props.report.clone(), move |_| {
            player.borrow_mut().t = 0.0;
            let handle: Rc<RefCell<Option<gloo::render::AnimationFrame>>> = Rc::default();
            let frame = Rc::new(RefCell::new(None::<Box<dyn Fn(f64)>>));
            let (h, f) = (handle.clone(), frame.clone());
            *frame.borrow_mut() = Some(Box::new(move |now: f64| {
                let Some(element) = canvas.cast::<HtmlCanvasElement>() else {
                    return;
                };
                let width = f64::from(element.client_width().max(320));
                let layout = Layout::new(&report, width);
                let scale = gloo::utils::window().device_pixel_ratio().clamp(1.0, 3.0);
                let height = layout.height();
                let (pw, ph) = ((width * scale) as u32, (height * scale) as u32);
                if element.width() != pw || element.height() != ph {
                    element.set_width(pw);
                    element.set_height(ph);
                    element
                        .style()
                        .set_property("height", &format!("{height}px"))
                        .ok();
                }
                let mut p = player.borrow_mut();
                if let Some(last) = p.last_frame {
                    if p.playing {
                        p.t += (now - last) / 1000.0 * p.speed;
                        if p.t > span {
                            p.t = 0.0;
                        }
                    }
                }
                p.last_frame = Some(now);
                p.frames += 1;
                if now - p.fps_since >= 1000.0 {
                    let fps = f64::from(p.frames) * 1000.0 / (now - p.fps_since);
                    element.set_attribute("data-fps", &format!("{fps:.1}")).ok();
                    p.frames = 0;
                    p.fps_since = now;
                    tick.set(now as u32);
                }
                if let Some(ctx) = element
                    .get_context("2d")
                    .ok()
                    .flatten()
                    .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
                {
                    p.dots = draw(&ctx, scale, &layout, &report, &index, block_size, p.t);
                }
                element.set_attribute("data-t", &format!("{:.1}", p.t)).ok();
                drop(p);
                // Next frame.
                let f2 = f.clone();
                *h.borrow_mut() = Some(gloo::render::request_animation_frame(move |ts| {
                    if let Some(cb) = f2.borrow().as_ref() {
                        cb(ts);
                    }
                }));
            }));
            let first = frame.clone();
            *handle.borrow_mut() = Some(gloo::render::request_animation_frame(move |ts| {
                if let Some(cb) = first.borrow().as_ref() {
                    cb(ts);
                }
            }));
            move || {
                // Stop the loop: drop the pending frame and the closure (it holds itself).
                handle.borrow_mut().take();
                frame.borrow_mut().take();
            }
        });
    }

    let toggle = {
        let player = player.clone();
        let tick = tick.clone();
        Callback::from(move |_: MouseEvent| {
            let mut p = player.borrow_mut();
            p.playing = !p.playing;
            tick.set(p.t as u32 ^ u32::from(p.playing));
        })
    };
    let scrub = {
        let player = player.clone();
        Callback::from(move |e: InputEvent| {
            let value = crate::number::parse_f64(&crate::components::controls::input_value(&e))
                .unwrap_or(0.0);
            let mut p = player.borrow_mut();
            p.t = value;
            p.playing = false;
            tick.set(value as u32);
        })
    };
    let speed = {
        let player = player.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target_dyn_into::<web_sys::HtmlSelectElement>()
                .map_or(1000.0, |s| {
                    crate::number::parse_f64(&s.value()).unwrap_or(1000.0)
                });
            player.borrow_mut().speed = value;
        })
    };
    let click = {
        let player = player.clone();
        let picked = picked.clone();
        Callback::from(move |e: MouseEvent| {
            let p = player.borrow();
            let (x, y) = (f64::from(e.offset_x()), f64::from(e.offset_y()));
            let nearest = p
                .dots
                .iter()
                .map(|&(id, dx, dy)| (id, (dx - x).powi(2) + (dy - y).powi(2)))
                .filter(|&(_, d2)| d2 <= 64.0)
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((id, _)) = nearest {
                picked.set(Some(id));
                crate::charts::waterfall::show_request(id);
            }
        })
    };

    let p = player.borrow();
    let playing = p.playing;
    let now = p.t;
    drop(p);
    let legend = PHASES.iter().map(|(id, label, color)| {
        html! { <li title={super::breakdown::definition(id)}><span class="swatch" style={format!("background:{}", css(*color))}></span>{ *label }</li> }
    });
    html! {
        <figure class="chart flow">
            <figcaption>
                <h2>{ "Requests moving through the cluster" }</h2>
                <p class="help">
                    { "Each dot is a request, coloured by the phase it is in, moving over simulated \
                       time from arrival to its instances' queues, prefill, the KV link, decode, and \
                       out. Each instance shows how many requests it is computing and how full its \
                       KV cache is. Click a dot to see its waterfall." }
                </p>
            </figcaption>
            <div class="flow-controls">
                <button type="button" id="flow-play" onclick={toggle}
                        aria-pressed={(!playing).to_string()}>
                    { if playing { "Pause" } else { "Play" } }
                </button>
                <label>{ "Speed " }
                    <select id="flow-speed" onchange={speed}
                            title="Simulated time per second of watching">
                        { for SPEEDS.iter().map(|(v, label)| html! {
                            <option value={v.to_string()} selected={*v == 1000.0}>{ *label }</option>
                        }) }
                    </select>
                </label>
                <label class="flow-time">{ "Time " }
                    <input id="flow-scrub" type="range" min="0" max={format!("{:.0}", *span)}
                           step="1" value={format!("{now:.0}")} oninput={scrub}
                           aria-label="Simulated time" />
                    <output>{ format::duration(now) }</output>
                </label>
            </div>
            <canvas ref={canvas} id="flow-canvas" class="flow-canvas" onclick={click}
                    role="img"
                    aria-label="Requests moving through the cluster: each dot is a request, coloured by its phase; click one to see its waterfall" />
            <ul class="legend">
                { for legend }
                <li><span class="swatch" style="background:#9a9a9a"></span>{ "done" }</li>
            </ul>
            if let Some(id) = *picked {
                <p class="flow-picked">{ format!("Request #{id} is shown in the waterfall below.") }</p>
            }
        </figure>
    }
}
