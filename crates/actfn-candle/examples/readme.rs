//! The README's candle example: a two-layer MLP with actfn's GELU, a softplus on its
//! output, one AdamW step through candle's autograd.
use actfn_candle::{ActExt, Activation};
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{linear, seq, AdamW, Optimizer, VarBuilder, VarMap};

fn main() -> candle_core::Result<()> {
    let (varmap, dev) = (VarMap::new(), Device::Cpu);
    let vb = VarBuilder::from_varmap(&varmap, DType::F32, &dev);
    let mlp = seq()
        .add(linear(2, 16, vb.pp("l1"))?)
        .add(Activation::new("gelu")?)
        .add(linear(16, 1, vb.pp("l2"))?);
    let x = Tensor::new(&[[0.5f32, -1.0], [2.0, 0.1]], &dev)?;
    let loss = mlp.forward(&x)?.act_str("softplus(beta=2)")?.mean_all()?;
    let mut opt = AdamW::new_lr(varmap.all_vars(), 1e-2)?;
    opt.backward_step(&loss)?;
    println!("loss {:.5}", loss.to_scalar::<f32>()?);
    Ok(())
}
