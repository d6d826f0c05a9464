//! The header's "Copy link" and "Copy embed code" buttons, with what happened.

use yew::prelude::*;

use crate::clipboard::copy_text;
use crate::{embed, url};

/// "Copy link" and "Copy embed code", with what happened.
#[function_component(Share)]
pub fn share() -> Html {
    let status = use_state(String::new);
    let dialog = use_state(|| false);
    let copy = |what: &'static str, make: fn() -> String| {
        let status = status.clone();
        Callback::from(move |_| {
            let status = status.clone();
            let text = make();
            wasm_bindgen_futures::spawn_local(async move {
                if copy_text(text.clone()).await {
                    status.set(format!("{what} copied"));
                } else {
                    status.set(format!("could not copy; here it is: {text}"));
                }
            });
        })
    };
    let open = {
        let dialog = dialog.clone();
        Callback::from(move |_| dialog.set(true))
    };
    let close = {
        let dialog = dialog.clone();
        Callback::from(move |()| dialog.set(false))
    };
    html! {
        <div class="share">
            <button type="button" id="copy-link" onclick={copy("link", url::share_link)}
                    title="Copy a link to these exact settings">{ "Copy link" }</button>
            <button type="button" id="copy-embed" onclick={open}
                    title="Choose the charts and controls of an <iframe> that embeds these settings, and copy its code">
                { "Copy embed code" }
            </button>
            <span id="copy-status" role="status">{ (*status).clone() }</span>
            if *dialog {
                <embed::EmbedDialog on_close={close} />
            }
        </div>
    }
}
