//! Which layers are of which kind: experts or dense, full, local or linear attention,
//! sparse or not. A config's explicit per-layer lists (`layer_types`, `mlp_only_layers`,
//! `moe_layer_freq` as a list, `no_rope_layers`) win over its family's rule.

use crate::arch::{LinearAttention, LocalAttention, SparseAttention};
use crate::error::Error;

use super::families::{MoeLayers, Pattern, Sparse, State};
use super::fields::Fields;

/// Layers (of `layers`) whose feed-forward is dense, by the family's rule.
pub fn dense_layers(f: &Fields, rule: MoeLayers, layers: u32) -> Result<u32, Error> {
    let moe = |is_moe: &dyn Fn(u32) -> bool| (0..layers).filter(|&i| is_moe(i)).count() as u32;
    let moe_layers = match rule {
        MoeLayers::All => layers,
        MoeLayers::DeepSeek => {
            let first = f.count(&["first_k_dense_replace"])?.unwrap_or(0);
            match f.map.get("moe_layer_freq") {
                Some(serde_json::Value::Array(_)) => {
                    let list = f.u32_list("moe_layer_freq")?.unwrap_or_default();
                    moe(&|i| i >= first && list.get(i as usize).is_some_and(|&x| x > 0))
                }
                _ => {
                    let freq = f.positive(&["moe_layer_freq"])?.unwrap_or(1);
                    moe(&|i| i >= first && i % freq == 0)
                }
            }
        }
        MoeLayers::Ernie => {
            let start = f.index("moe_layer_start_index")?.unwrap_or(1);
            let end = f.index_or_last("moe_layer_end_index")?.unwrap_or(layers);
            let every = f.positive(&["moe_layer_interval"])?.unwrap_or(1);
            // As transformers' and vLLM's ERNIE decoder layers test it.
            moe(&|i| i >= start && i <= end && (i + 1) % every == 0)
        }
        MoeLayers::Qwen => {
            let step = f.positive(&["decoder_sparse_step"])?.unwrap_or(1);
            let dense = f.u32_list("mlp_only_layers")?.unwrap_or_default();
            moe(&|i| !dense.contains(&i) && (i + 1) % step == 0)
        }
        MoeLayers::Llama4 => match f.u32_list("moe_layers")? {
            Some(list) => moe(&|i| list.contains(&i)),
            None => {
                let step = f.positive(&["interleave_moe_layer_step"])?.unwrap_or(1);
                moe(&|i| (i + 1) % step == 0)
            }
        },
    };
    Ok(layers - moe_layers)
}

/// The local and linear layers of a model.
#[derive(Debug, Default)]
pub struct Kinds {
    pub local: Option<LocalAttention>,
    pub linear: Option<LinearAttention>,
}

/// Counts of each attention kind over the layers.
#[derive(Debug, Default)]
struct Counts {
    sliding: u32,
    chunked: u32,
    linear: u32,
}

/// The layers' attention kinds: `layer_types` when the config lists them, else the
/// family's pattern.
/// `attention` is the attention heads and their size, which lightning-attention layers
/// share.
pub fn kinds(
    f: &Fields,
    pattern: Pattern,
    state: State,
    layers: u32,
    attention: (u32, u32),
) -> Result<Kinds, Error> {
    let counts = match f.map.get("layer_types").and_then(|v| v.as_array()) {
        Some(types) => listed(f, types, state, layers)?,
        None => patterned(f, pattern, layers)?,
    };
    let local = if counts.sliding > 0 {
        f.count(&["sliding_window"])?
            .or(match pattern {
                Pattern::Alternating(w) | Pattern::EveryNthFull(w, _) => Some(w),
                _ => None,
            })
            .map(|window| LocalAttention {
                layers: counts.sliding,
                window,
                chunked: false,
            })
    } else if counts.chunked > 0 {
        f.count(&["attention_chunk_size"])?
            .map(|window| LocalAttention {
                layers: counts.chunked,
                window,
                chunked: true,
            })
    } else {
        None
    };
    let linear = match (counts.linear, state) {
        (0, _) => None,
        (layers, State::GatedDeltaNet) => {
            let arch = "linear-attention";
            Some(LinearAttention {
                layers,
                key_heads: f.require(&["linear_num_key_heads"], arch)?,
                value_heads: f.require(&["linear_num_value_heads"], arch)?,
                key_head_dim: f.require(&["linear_key_head_dim"], arch)?,
                value_head_dim: f.require(&["linear_value_head_dim"], arch)?,
                conv_kernel: f.positive(&["linear_conv_kernel_dim"])?.unwrap_or(4),
            })
        }
        (layers, State::Lightning) => Some(LinearAttention {
            layers,
            key_heads: attention.0,
            value_heads: attention.0,
            key_head_dim: attention.1,
            value_head_dim: attention.1,
            conv_kernel: 1,
        }),
        // Mamba-2: B and C per group play the keys, x per head the values; the state is
        // one d_head x d_state matrix per head.
        (layers, State::Mamba2) => {
            let arch = "Mamba-2";
            Some(LinearAttention {
                layers,
                key_heads: f.positive(&["mamba_n_groups"])?.unwrap_or(1),
                value_heads: f.require(&["mamba_n_heads"], arch)?,
                key_head_dim: f.require(&["mamba_d_state"], arch)?,
                value_head_dim: f.require(&["mamba_d_head"], arch)?,
                conv_kernel: f.positive(&["mamba_d_conv"])?.unwrap_or(4),
            })
        }
    };
    Ok(Kinds { local, linear })
}

fn listed(
    f: &Fields,
    types: &[serde_json::Value],
    state: State,
    layers: u32,
) -> Result<Counts, Error> {
    if types.len() != layers as usize {
        return Err(Error::invalid(
            f.field("layer_types"),
            format!(
                "must list one type per layer (num_hidden_layers = {layers}), got {}",
                types.len()
            ),
        ));
    }
    let mut c = Counts::default();
    for (i, t) in types.iter().enumerate() {
        match t.as_str() {
            Some("full_attention" | "attention") => {}
            Some("sliding_attention") => c.sliding += 1,
            Some("chunked_attention") => c.chunked += 1,
            Some("linear_attention") if state != State::Mamba2 => c.linear += 1,
            Some("mamba") if state == State::Mamba2 => c.linear += 1,
            _ => {
                let state_kind = match state {
                    State::GatedDeltaNet | State::Lightning => "linear_attention",
                    State::Mamba2 => "mamba",
                };
                return Err(Error::invalid(
                    f.field(&format!("layer_types[{i}]")),
                    format!(
                        "must be full_attention, sliding_attention, chunked_attention or \
                         {state_kind}, got {t}"
                    ),
                ));
            }
        }
    }
    if c.sliding > 0 && c.chunked > 0 {
        return Err(Error::invalid(
            f.field("layer_types"),
            "mixes sliding_attention and chunked_attention layers, which pdsim does not model",
        ));
    }
    Ok(c)
}

fn patterned(f: &Fields, pattern: Pattern, layers: u32) -> Result<Counts, Error> {
    let count = |is: &dyn Fn(u32) -> bool| (0..layers).filter(|&i| is(i)).count() as u32;
    let mut c = Counts::default();
    match pattern {
        Pattern::Full => {}
        Pattern::AllSliding => {
            if f.count(&["sliding_window"])?.is_some() {
                c.sliding = layers;
            }
        }
        Pattern::Qwen => {
            if f.flag("use_sliding_window", false)? && f.count(&["sliding_window"])?.is_some() {
                let from = f.count(&["max_window_layers"])?.unwrap_or(0);
                c.sliding = layers.saturating_sub(from);
            }
        }
        Pattern::Alternating(_) => c.sliding = count(&|i| i % 2 == 0),
        Pattern::EveryNthFull(_, default) => match f.map.get("sliding_window_pattern") {
            // EXAONE 4: "LLLG", one letter per layer, repeated.
            Some(serde_json::Value::String(p)) => {
                let letters: Vec<char> = p.chars().collect();
                if letters.is_empty() || letters.iter().any(|l| !matches!(l, 'L' | 'G')) {
                    return Err(Error::invalid(
                        f.field("sliding_window_pattern"),
                        format!(
                            "must be a count or a string of L (local) and G (global), got \
                             \"{p}\""
                        ),
                    ));
                }
                c.sliding = count(&|i| letters[i as usize % letters.len()] == 'L');
            }
            _ => {
                let n = f.positive(&["sliding_window_pattern"])?.unwrap_or(default);
                c.sliding = count(&|i| (i + 1) % n != 0);
            }
        },
        Pattern::Llama4Chunked => {
            c.chunked = match f.u32_list("no_rope_layers")? {
                // 1: the layer uses RoPE, and attends in chunks; 0: a global NoPE layer.
                Some(list) if !list.is_empty() => list.iter().filter(|&&x| x > 0).count() as u32,
                _ => count(&|i| (i + 1) % 4 != 0),
            }
        }
        Pattern::AttnTypeList => {
            if let Some(list) = f.u32_list("attn_type_list")? {
                if list.len() != layers as usize {
                    return Err(Error::invalid(
                        f.field("attn_type_list"),
                        format!(
                            "must list one type per layer (num_hidden_layers = {layers}), got {}",
                            list.len()
                        ),
                    ));
                }
                if let Some(i) = list.iter().position(|&t| t > 1) {
                    return Err(Error::invalid(
                        f.field(&format!("attn_type_list[{i}]")),
                        format!(
                            "must be 0 (linear attention) or 1 (full attention), got {}",
                            list[i]
                        ),
                    ));
                }
                c.linear = list.iter().filter(|&&t| t == 0).count() as u32;
            }
        }
        Pattern::LinearEveryNthFull => {
            let n = f.positive(&["full_attention_interval"])?.unwrap_or(4);
            c.linear = count(&|i| (i + 1) % n != 0);
        }
    }
    Ok(c)
}

/// The sparse-attention layers, if the family and the config have them.
pub fn sparse(f: &Fields, sparse: Sparse, layers: u32) -> Result<Option<SparseAttention>, Error> {
    match sparse {
        Sparse::None => Ok(None),
        Sparse::Dsa => match f.count(&["index_topk"])? {
            None => Ok(None),
            Some(top_k) => Ok(Some(SparseAttention {
                layers,
                top_k,
                index_heads: f.require(&["index_n_heads"], "sparse-attention")?,
                index_head_dim: f.require(&["index_head_dim"], "sparse-attention")?,
            })),
        },
        Sparse::MiniMaxBlocks => {
            let Some(s) = f.object("sparse_attention_config") else {
                return Ok(None);
            };
            if !s.flag("use_sparse_attention", true)? {
                return Ok(None);
            }
            let arch = "MiniMax-M3 sparse-attention";
            let blocks = s.require(&["sparse_topk_blocks"], arch)?;
            let block = s.require(&["sparse_block_size"], arch)?;
            let sparse_layers = match s.u32_list("sparse_attention_freq")? {
                Some(list) => list.iter().filter(|&&x| x > 0).count() as u32,
                None => layers,
            };
            if sparse_layers == 0 {
                return Ok(None);
            }
            Ok(Some(SparseAttention {
                layers: sparse_layers,
                top_k: blocks * block,
                index_heads: s.require(&["sparse_num_index_heads"], arch)?,
                index_head_dim: s.require(&["sparse_index_dim"], arch)?,
            }))
        }
    }
}
