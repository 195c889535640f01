package scenario

// Z99 is the standard normal quantile at 0.99: a lognormal's p99 is
// median·exp(σ·Z99).
const Z99 = 2.3263478740408408
