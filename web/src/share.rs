//! The header's "Copy link" and "Copy embed code" buttons, with what happened.

use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use crate::{embed, url};

/// Copies `text` to the clipboard; resolves to whether it worked.
pub async fn copy_text(text: String) -> bool {
    let window = gloo::utils::window();
    let clipboard = js_sys::Reflect::get(&window, &JsValue::from_str("navigator"))
        .and_then(|n| js_sys::Reflect::get(&n, &JsValue::from_str("clipboard")));
    let Ok(clipboard) = clipboard else {
        return false;
    };
    let write = js_sys::Reflect::get(&clipboard, &JsValue::from_str("writeText"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(write) = write else {
        return false;
    };
    match write.call1(&clipboard, &JsValue::from_str(&text)) {
        Ok(promise) => match promise.dyn_into::<js_sys::Promise>() {
            Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await.is_ok(),
            Err(_) => false,
        },
        Err(_) => false,
    }
}

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
