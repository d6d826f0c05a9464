//! The Web Worker of the playground: runs simulations off the page's main thread.

fn main() {
    pdsim_web::register_worker();
}
