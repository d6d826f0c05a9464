//! The Web Worker of the playground: runs simulations off the page's main thread.

fn main() {
    console_error_panic_hook::set_once();
    pdsim_web::register_worker();
}
