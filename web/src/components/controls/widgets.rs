//! The controls the form's sections share: a labelled select, a labelled number box, and the
//! value of the element an event came from.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::form::Field;
use crate::state::{Action, AppState};
use pdsim::report::Role;

pub(super) fn select_value(event: &Event) -> String {
    event
        .target_dyn_into::<HtmlSelectElement>()
        .map(|s| s.value())
        .unwrap_or_default()
}

/// The value of the input element an event (input or change) came from.
pub(crate) fn input_value(event: &Event) -> String {
    event
        .target_dyn_into::<HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

/// Properties of [`Select`].
#[derive(Properties, PartialEq)]
pub(super) struct SelectProps {
    pub(super) id: &'static str,
    pub(super) label: &'static str,
    pub(super) title: &'static str,
    /// (value, text) of every option; a `custom` option is shown disabled.
    pub(super) options: Vec<(String, String)>,
    pub(super) selected: String,
    pub(super) onchange: Callback<Event>,
}

/// A `<select>` with a label, showing `selected` (set as the element's property after every
/// render, so that it follows the state even after the person picked an option).
#[function_component(Select)]
pub(super) fn select_field(props: &SelectProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        let selected = props.selected.clone();
        use_effect(move || {
            if let Some(select) = node.cast::<HtmlSelectElement>() {
                if select.value() != selected {
                    select.set_value(&selected);
                }
            }
        });
    }
    html! {
        <div class="field">
            <label for={props.id}>{ props.label }</label>
            <select ref={node} id={props.id} title={props.title} onchange={props.onchange.clone()}>
                { for props.options.iter().map(|(value, text)| {
                    html! {
                        <option value={value.clone()} selected={*value == props.selected}
                                disabled={value == "custom"}>{ text.clone() }</option>
                    }
                }) }
            </select>
        </div>
    }
}

/// A `<select>` with a label. `options` are (value, text).
pub(super) fn select(
    id: &'static str,
    label: &'static str,
    title: &'static str,
    options: Vec<(String, String)>,
    selected: &str,
    onchange: Callback<Event>,
) -> Html {
    html! { <Select {id} {label} {title} {options} selected={selected.to_owned()} {onchange} /> }
}

/// A labelled number box bound to `field`.
pub(super) struct NumberBox {
    pub(super) id: String,
    pub(super) label: String,
    pub(super) unit: &'static str,
    pub(super) title: String,
    pub(super) field: Field,
    pub(super) min: &'static str,
    pub(super) max: Option<&'static str>,
    pub(super) step: &'static str,
}

impl NumberBox {
    pub(super) fn view(self, state: &AppState) -> Html {
        let field = self.field;
        let oninput = {
            let state = state.clone();
            Callback::from(move |e: InputEvent| {
                state.dispatch(Action::Text(field, input_value(&e)));
            })
        };
        // "topology" errors are about the decode-capable pools.
        let invalid = state.error().is_some_and(|err| {
            err.field == field.path()
                || (err.field == "topology"
                    && matches!(field, Field::Instances(Role::Decode | Role::Unified)))
        });
        html! {
            <div class="field">
                <label for={self.id.clone()}>
                    { self.label }
                    if !self.unit.is_empty() { <span class="unit">{ format!(" ({})", self.unit) }</span> }
                </label>
                <input type="number" id={self.id} title={self.title} min={self.min}
                       max={self.max} step={self.step} inputmode="decimal"
                       aria-invalid={invalid.to_string()}
                       aria-describedby={invalid.then_some("error")}
                       value={state.settings.text(field)} {oninput} />
            </div>
        }
    }
}

/// A select's `onchange` that dispatches the action `make` gives for the picked value.
pub(super) fn on_select(state: &AppState, make: fn(String) -> Option<Action>) -> Callback<Event> {
    let state = state.clone();
    Callback::from(move |e: Event| {
        if let Some(action) = make(select_value(&e)) {
            state.dispatch(action);
        }
    })
}
