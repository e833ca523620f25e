"""Hand-worked checks of the spiking place-recognition building blocks."""

import math

import pytest
import torch

from nervecord.controllers import vpr
from nervecord.controllers.vpr import neurons, readout, stdp, teacher
from nervecord.controllers.vpr.encoding import poisson_rates, regular_spikes, spike_probability
from nervecord.controllers.vpr.ensemble import EnsembleParams
from nervecord.controllers.vpr.preprocess import patch_normalise, preprocess
from nervecord.controllers.vpr.sequence import sequence_scores
from nervecord.vpr import metrics


def test_patch_normalisation_hand_worked():
    image = torch.zeros(1, 3, 3)
    image[0, 1, 1] = 9.0
    out = patch_normalise(image, patch=3)[0]
    # centre: window of all 9 pixels, mean 1, std sqrt(9 - 1); z = 8 / 2.83 -> clipped to 1
    assert out[1, 1].item() == pytest.approx(255.0)
    # corner: window [0, 0, 0, 9], mean 2.25, var 20.25 - 2.25^2 = 15.1875
    z = -2.25 / math.sqrt(15.1875)
    assert out[0, 0].item() == pytest.approx(255 * (z + 1) / 2, rel=1e-5)
    # edge: window of 6 pixels with one 9, mean 1.5, var 13.5 - 2.25 = 11.25
    z = -1.5 / math.sqrt(11.25)
    assert out[0, 1].item() == pytest.approx(255 * (z + 1) / 2, rel=1e-5)
    # flat image: std 0 gives z = 0, i.e. mid grey
    assert torch.allclose(patch_normalise(torch.full((1, 5, 5), 7.0)), torch.tensor(127.5))


def test_preprocess_shapes_and_errors():
    rgb = torch.randint(0, 256, (2, 40, 60, 3)).numpy()
    pixels = preprocess(rgb)
    assert pixels.shape == (2, 784)
    assert float(pixels.min()) >= 0.0 and float(pixels.max()) <= 255.0
    with pytest.raises(ValueError, match="RGB"):
        preprocess(torch.zeros(2, 10, 10, 4))
    with pytest.raises(ValueError, match="shape"):
        preprocess(torch.zeros(10, 10))


def test_poisson_rates_hand_worked():
    pixels = torch.tensor([0.0, 128.0, 255.0])
    rates = poisson_rates(pixels, 4.0)
    assert rates.tolist() == [0.0, 32.0, 63.75]
    # at dt = 1 ms the spike probability per step is rate / 1000
    assert spike_probability(rates, 1.0).tolist() == pytest.approx([0.0, 0.032, 0.06375])


def _stdp_change(pre_times, post_times, params, steps=20):
    input_spikes = torch.zeros(1, steps, 1)
    input_spikes[0, pre_times, 0] = 1.0
    post = stdp.PostsynapticTraces(1, 1, steps, 1.0, params, input_spikes)
    for t in range(steps):
        post.record(t, torch.tensor([[1.0 if t in post_times else 0.0]]))
    pre = stdp.presynaptic_trace(input_spikes, 1.0, params.tau_pre)
    return stdp.weight_change(input_spikes, pre, post, params).item()


def test_stdp_pair_rule_signs():
    params = stdp.StdpParams(triplet=False)
    # pre at 2 ms, post at 7 ms: + nu_post * exp(-5/20); post1 was 0 at the pre spike
    assert _stdp_change([2], [7], params) == pytest.approx(0.01 * math.exp(-5 / 20))
    # post at 2 ms, pre at 7 ms: - nu_pre * exp(-5/20); pre trace was 0 at the post spike
    assert _stdp_change([7], [2], params) == pytest.approx(-1e-4 * math.exp(-5 / 20))


def test_stdp_triplet_rule_needs_earlier_post_spike():
    params = stdp.StdpParams(triplet=True)
    assert _stdp_change([2], [7], params) == 0.0
    # posts at 5 and 9: at 9, x_pre = exp(-7/20), x_post2 before = exp(-4/40)
    expected = 0.01 * math.exp(-7 / 20) * math.exp(-4 / 40)
    assert _stdp_change([2], [5, 9], params) == pytest.approx(expected)


def _single_state(theta=20.0, n=1):
    return neurons.rest_state(
        torch.full((1, n), theta), 1, neurons.ExcitatoryParams(), neurons.InhibitoryParams()
    )


def test_membrane_update_exact_step():
    exc, inh, syn = neurons.ExcitatoryParams(), neurons.InhibitoryParams(), neurons.SynapseParams()
    state = neurons.step(_single_state(), torch.ones(1, 1, 1), 1.0, exc, inh, syn, adapt=False)
    # g_e = 1: v_inf = -65 / 2, tau_eff = 50 ms
    expected = -32.5 + (-65.0 + 32.5) * math.exp(-1 / 50)
    assert state.v_exc.item() == pytest.approx(expected, rel=1e-6)
    assert state.spikes_exc.item() == 0.0
    assert state.ge_exc.item() == pytest.approx(math.exp(-1.0))


def test_exclusive_spiking_keeps_the_largest_overshoot():
    exc, inh, syn = neurons.ExcitatoryParams(), neurons.InhibitoryParams(), neurons.SynapseParams()
    drive = torch.tensor([[[30.0, 40.0, 0.0]]])
    both = neurons.step(_single_state(n=3), drive, 1.0, exc, inh, syn, adapt=True)
    one = neurons.step(_single_state(n=3), drive, 1.0, exc, inh, syn, adapt=True, exclusive=True)
    assert both.spikes_exc[0, 0].tolist() == [1.0, 1.0, 0.0]
    assert one.spikes_exc[0, 0].tolist() == [0.0, 1.0, 0.0]
    assert one.theta[0, 0, 1].item() == pytest.approx(20.0 * math.exp(-1e-7) + 0.05)


def test_expected_spike_count_hand_worked():
    exc = neurons.ExcitatoryParams()
    count = neurons.expected_spike_count(torch.tensor([1.0, 0.1]), torch.tensor(20.0), 100.0, exc)
    # g = 1: v_inf = -32.5, charge 50 ms * ln(32.5 / 19.5), then 5 ms refractory
    t_charge = 50.0 * math.log(32.5 / 19.5)
    assert count[0].item() == pytest.approx(100.0 / (5.0 + t_charge), rel=1e-5)
    # g = 0.1: v_inf = -59.1 mV stays below the -52 mV threshold
    assert count[1].item() == 0.0


def test_hyperactive_neuron_removed_on_constructed_case():
    # one module, neurons labelled with places 0, 1, 1; neuron 2 fires for every image
    labels = torch.tensor([[0, 1, 1]])
    image_counts = torch.tensor([[1, 1, 10]])
    responses = torch.tensor([[[2.0, 0.0, 9.0]], [[0.0, 3.0, 9.0]]])  # queries of places 0, 1
    truth = torch.tensor([0, 1])
    keep_all = torch.ones(1, 3, dtype=torch.bool)
    scores = readout.place_scores(responses, labels, keep_all, members=1, n_places=2)
    assert scores.tolist() == [[2.0, 4.5], [0.0, 6.0]]  # place 1 wins both: recall 0.5
    candidates = [1, 2, 5, 11]
    hits = readout.threshold_hits(responses, truth, labels, image_counts, 1, 2, candidates)
    # T=1 removes every neuron: all scores 0, argmax picks place 0 (one lucky hit);
    # T=2 and T=5 remove only neuron 2; T=11 keeps it
    assert hits == [1, 2, 2, 1]
    assert readout.choose_threshold(candidates, hits) == 5
    params = EnsembleParams(
        torch.zeros(1, 1, 784, 3),
        torch.zeros(1, 1, 3),
        labels[None],
        image_counts[None],
        torch.tensor([[0, 1]]),
        5,
    )
    assert params.keep().tolist() == [[True, True, False]]


def test_labels_from_mean_response():
    # one module, 2 places; samples: place 0, place 1, place 1
    own = torch.tensor([[[3.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 3.0, 0.0]]])
    slots = torch.tensor([[0, 1, 1]])
    labels = readout.assign_labels(own, slots, torch.tensor([[7, 8]]))
    assert labels.tolist() == [[7, 8, -1]]


def test_metrics_on_hand_made_scores():
    scores = torch.tensor([[0.9, 0.1, 0.0], [0.0, 0.5, 0.8], [0.1, 0.2, 0.3]])
    truth = torch.tensor([0, 1, 2])
    assert metrics.recall_at_n(scores, truth, 1) == pytest.approx(2 / 3)
    assert metrics.recall_at_n(scores, truth, 2) == pytest.approx(1.0)
    pr = metrics.precision_recall(scores, truth)
    # order by confidence: q0 (right), q1 (wrong), q2 (right)
    assert pr.precision.tolist() == pytest.approx([1.0, 0.5, 2 / 3])
    assert pr.recall.tolist() == pytest.approx([1 / 3, 1 / 3, 2 / 3])
    assert pr.auc == pytest.approx(1 / 3 + (2 / 3) * (1 / 3))
    assert pr.recall_at_full_precision == pytest.approx(1 / 3)


def test_sequence_scores_average_diagonals():
    scores = torch.tensor([[1.0, 0.0], [0.0, 3.0]])
    seq = sequence_scores(scores, 2)
    assert seq.tolist() == [[1.0, 0.0], [0.0, 2.0]]
    with pytest.raises(ValueError):
        sequence_scores(scores, 0)


def test_regular_spikes_hand_worked():
    # p = 0.25 over 8 steps: floor((t + 1) / 4 + 1/2) steps up at t = 1 and t = 5
    spikes = regular_spikes(torch.tensor([[0.25, 0.0, 1.0]]), 8)
    assert spikes.shape == (1, 8, 3)
    assert spikes[0, :, 0].tolist() == [0, 1, 0, 0, 0, 1, 0, 0]
    assert spikes[0, :, 1].sum() == 0 and spikes[0, :, 2].sum() == 8


def test_integrate_and_fire_exact_steps():
    drive = torch.tensor([0.6, 0.6, 0.6, -2.0, 1.5])[:, None]
    # v: 0.6; 1.2 -> spike, 0.2; 0.8; max(0, -1.2) = 0; 1.5 -> spike, 0.5
    spikes = teacher.integrate_and_fire(drive, 1.0)
    assert spikes[:, 0].tolist() == [0.0, 1.0, 0.0, 0.0, 1.0]


def test_teacher_stdp_potentiates_active_and_depresses_inactive_inputs():
    config = vpr.EnsembleConfig(
        presentation_ms=4, rate_divisor=0.255, teacher_rate_hz=1000.0, firing_threshold=1.0
    )
    # one active input (255 -> 1000 Hz, a spike every step, trace 1), three silent ones;
    # the teacher current (1 per step) makes the taught neuron spike at all 4 steps.
    views = torch.tensor([[255.0, 0.0, 0.0, 0.0] + [0.0] * 780])
    change, post = teacher.teach(config, torch.zeros(1, 784), views, torch.Generator())
    assert post.item() == 4.0
    # per post spike: nu * (x_i - mean x) with mean x = 1/784
    mean = 1.0 / 784
    assert change[0, 0].item() == pytest.approx(0.01 * 4 * (1 - mean))
    assert change[0, 1].item() == pytest.approx(-0.01 * 4 * mean)
    assert change.sum().item() == pytest.approx(0.0, abs=1e-6)


def test_shifted_views_move_columns_and_replicate_the_edge():
    image = torch.arange(9.0)[None]  # rows [0 1 2], [3 4 5], [6 7 8]
    views = teacher.shifted_views(image, (1, 0, -1), 3)
    assert views[0, 0].tolist() == [0, 0, 1, 3, 3, 4, 6, 6, 7]
    assert views[0, 1].tolist() == image[0].tolist()
    assert views[0, 2].tolist() == [1, 2, 2, 4, 5, 5, 7, 8, 8]


def test_teacher_module_learns_normalised_zero_mean_templates():
    config = vpr.EnsembleConfig(places_per_module=2, view_shifts=(0,))
    generator = torch.Generator().manual_seed(0)
    pixels = torch.rand(2, 784, generator=generator) * 255
    params = vpr.fit(config, pixels, torch.tensor([0, 1]))
    assert params.labels.tolist() == [[[0, 1]]]
    weights = params.weights[0, 0].T  # (places, inputs)
    assert weights.norm(dim=1).tolist() == pytest.approx([1.0, 1.0], rel=1e-5)
    assert weights.sum(dim=1).abs().max().item() < 1e-4
    template = pixels - pixels.mean(dim=1, keepdim=True)
    similarity = torch.nn.functional.cosine_similarity(weights, template, dim=1)
    assert similarity.min().item() > 0.95  # regular code: the template, up to spike timing
    scores = vpr.score(config, params, pixels)
    assert scores.argmax(dim=1).tolist() == [0, 1]


def test_max_pooling_of_place_scores():
    labels = torch.tensor([[0, 0, 1]])
    responses = torch.tensor([[[2.0, 5.0, 3.0]]])
    keep = torch.tensor([[True, True, True]])
    assert readout.place_scores(responses, labels, keep, 1, 2, "max").tolist() == [[5.0, 3.0]]
    keep = torch.tensor([[True, False, True]])
    assert readout.place_scores(responses, labels, keep, 1, 2, "max").tolist() == [[2.0, 3.0]]
    with pytest.raises(ValueError, match="pooling"):
        readout.place_scores(responses, labels, keep, 1, 2, "median")


def test_ensemble_members_differ_only_with_their_own_spike_trains():
    pixels = torch.rand(10, 784, generator=torch.Generator().manual_seed(0))
    ids = torch.arange(10)
    with pytest.raises(ValueError, match="identical networks; use input_code='poisson'"):
        vpr.EnsembleConfig(members=2)
    config = vpr.EnsembleConfig(
        members=2, input_code=vpr.InputCode.POISSON, places_per_module=5, epochs=1
    )
    params = vpr.fit(config, pixels, ids)
    assert not torch.equal(params.weights[0], params.weights[1])
