// smyrf_reference.h: a serial reference of SPEC.md written apart from the kernels, for the
// driver's --self-check: hashes with the exact float formula of docs/kernels.md (so they must
// agree bit for bit), orders by std::sort on (invalid, hash, index), attention, combine and
// dense attention in float64; SPEC Extensions and the local window (docs/kernels.md) by their
// definitions: the window's round in slot H, the union softmax's n_ij counting it.
#ifndef SMYRF_REFERENCE_H
#define SMYRF_REFERENCE_H

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <vector>

#include "smyrf_pipeline.h"

namespace smyrf::reference {

inline float sq_norm(const float* x, int d) {
    float n2 = 0.0f;
    for (int c = 0; c < d; c++) n2 = std::fma(x[c], x[c], n2);
    return n2;
}

inline float max_sq_norm(const std::vector<float>& x, int b, int len, int d) {
    float best = 0.0f;
    for (int i = 0; i < len; i++) best = std::max(best, sq_norm(&x[(size_t(b) * len + i) * d], d));
    return best;
}

/** hq / hk of SPEC step 3 in the exact float sequence. */
inline float hash(const float* x, float mq2, float mk2, const std::vector<float>& A, int d, int H, int r, int extRow) {
    float h = 0.0f;
    for (int c = 0; c < d; c++) h = std::fma(x[c], A[size_t(c) * H + r], h);
    float extSq = (mq2 + mk2) - sq_norm(x, d);
    float ext = std::sqrt(std::max(extSq, 0.0f));
    h = std::fma(ext, A[size_t(extRow) * H + r], h);
    return h + 0.0f;
}

/** The sorted order of one segment: valid tokens by (hash, index), then the rest, then placeholders. */
inline std::vector<int> order(const float* hashes, const std::vector<bool>& valid, int n, int padded) {
    std::vector<int> idx(n);
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](int a, int b) {
        if (valid[a] != valid[b]) return bool(valid[a]);
        if (valid[a] && hashes[a] != hashes[b]) return hashes[a] < hashes[b];
        return a < b;
    });
    for (int i = n; i < padded; i++) idx.push_back(i);
    return idx;
}

/**
 * Softmax attention of one query over the given key rows (-1 = masked), in float64; logit p gets
 * -log(counts[p]) when `counts` is given (the union softmax of SPEC Extensions).
 */
inline double attend(const Case& c, int b, int qi, const std::vector<int>& keyRows, double* o,
        const std::vector<int>* counts = nullptr) {
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> logits(keyRows.size(), -inf);
    double top = -inf;
    for (size_t p = 0; p < keyRows.size(); p++) {
        if (keyRows[p] < 0) continue;
        const float* qrow = &c.q[(size_t(b) * c.Nq + qi) * c.d];
        const float* krow = &c.k[(size_t(b) * c.Nk + keyRows[p]) * c.d];
        double dot = 0.0;
        for (int e = 0; e < c.d; e++) dot += double(qrow[e]) * krow[e];
        logits[p] = double(c.scale) * dot - (counts != nullptr ? std::log(double((*counts)[p])) : 0.0);
        top = std::max(top, logits[p]);
    }
    std::fill(o, o + c.dv, 0.0);
    if (top == -inf) return -inf;
    double mass = 0.0;
    for (size_t p = 0; p < keyRows.size(); p++) {
        if (keyRows[p] < 0) continue;
        double w = std::exp(logits[p] - top);
        mass += w;
        const float* vrow = &c.v[(size_t(b) * c.Nk + keyRows[p]) * c.dv];
        for (int e = 0; e < c.dv; e++) o[e] += w * vrow[e];
    }
    for (int e = 0; e < c.dv; e++) o[e] /= mass;
    return top + std::log(mass);
}

/** Whether key j is in query i's local window (docs/kernels.md "Local window"); never when it is off. */
inline bool in_window(const Case& c, int i, int j) {
    return c.window > 0 && std::abs(i - j) <= c.window;
}

/** Every stage; dense attention (the costly part at long lengths) only when `withDense`. */
inline Stages compute(const Case& c, bool withDense) {
    const int Nqp = c.paddedQueryLen(), Nkp = c.paddedKeyLen();
    const double inf = std::numeric_limits<double>::infinity();
    Stages s;
    s.queryHashes.resize(size_t(c.H) * c.B * c.Nq);
    s.keyHashes.resize(size_t(c.H) * c.B * c.Nk);
    const int R = c.rounds();
    s.roundOut.assign(size_t(R) * c.B * c.Nq * c.dv, 0.0f);
    s.roundLse.assign(size_t(R) * c.B * c.Nq, 0.0f);
    s.out.assign(size_t(c.B) * c.Nq * c.dv, 0.0f);
    s.dense.assign(size_t(c.B) * c.Nq * c.dv, 0.0f);
    std::vector<double> lse(s.roundLse.size()), rout(s.roundOut.size());
    for (int b = 0; b < c.B; b++) {
        auto keyValid = [&](int j) { return !c.hasMask || c.mask[size_t(b) * c.Nk + j] != 0; };
        std::vector<bool> kv(c.Nk), qv(c.Nq);
        for (int j = 0; j < c.Nk; j++) kv[j] = keyValid(j);
        for (int i = 0; i < c.Nq; i++) qv[i] = !(c.hasMask && c.Nq == c.Nk) || kv[i];
        // SPEC Extensions: global keys sort last with the masked keys and join every cluster.
        std::vector<bool> ksort(c.Nk);
        for (int j = 0; j < c.Nk; j++) ksort[j] = kv[j] && !c.isGlobal(b, j);
        std::vector<int> globals;
        for (int g = 0; g < c.G; g++) {
            if (c.globalKeys[size_t(b) * c.G + g] >= 0) globals.push_back(c.globalKeys[size_t(b) * c.G + g]);
        }
        const float mq2 = max_sq_norm(c.q, b, c.Nq, c.d), mk2 = max_sq_norm(c.k, b, c.Nk, c.d);
        // Every round's order first: the union softmax compares clusters across rounds.
        std::vector<std::vector<int>> qOrders(c.H), kOrders(c.H);
        std::vector<std::vector<int>> qCluster(c.H, std::vector<int>(c.Nq)), kCluster(c.H, std::vector<int>(c.Nk));
        for (int r = 0; r < c.H; r++) {
            const size_t seg = size_t(r) * c.B + b;
            float* hq = &s.queryHashes[seg * c.Nq];
            float* hk = &s.keyHashes[seg * c.Nk];
            for (int i = 0; i < c.Nq; i++) hq[i] = hash(&c.q[(size_t(b) * c.Nq + i) * c.d], mq2, mk2, c.alpha, c.d, c.H, r, c.d + 1);
            for (int j = 0; j < c.Nk; j++) hk[j] = hash(&c.k[(size_t(b) * c.Nk + j) * c.d], mq2, mk2, c.alpha, c.d, c.H, r, c.d);
            qOrders[r] = order(hq, qv, c.Nq, Nqp);
            kOrders[r] = order(hk, ksort, c.Nk, Nkp);
            const std::vector<int>& qo = qOrders[r];
            const std::vector<int>& ko = kOrders[r];
            s.queryOrder.resize(size_t(c.H) * c.B * Nqp);
            s.keyOrder.resize(size_t(c.H) * c.B * Nkp);
            std::copy(qo.begin(), qo.end(), s.queryOrder.begin() + seg * Nqp);
            std::copy(ko.begin(), ko.end(), s.keyOrder.begin() + seg * Nkp);
            for (int p = 0; p < Nqp; p++) if (qo[p] < c.Nq) qCluster[r][qo[p]] = p / c.Cq;
            for (int p = 0; p < Nkp; p++) if (ko[p] < c.Nk) kCluster[r][ko[p]] = p / c.Ck;
        }
        for (int r = 0; r < c.H; r++) {
            const size_t seg = size_t(r) * c.B + b;
            const std::vector<int>& qo = qOrders[r];
            const std::vector<int>& ko = kOrders[r];
            for (int cl = 0; cl < c.L; cl++) {
                std::vector<int> rows;
                for (int p = cl * c.Ck; p < (cl + 1) * c.Ck; p++) {
                    int j = ko[p];
                    rows.push_back(j < c.Nk && ksort[j] ? j : -1);
                }
                rows.insert(rows.end(), globals.begin(), globals.end());
                for (int p = cl * c.Cq; p < (cl + 1) * c.Cq; p++) {
                    int i = qo[p];
                    if (i >= c.Nq) continue;
                    std::vector<int> counts;
                    if (c.unionRounds) {
                        for (size_t e = 0; e < rows.size(); e++) {
                            int n = 0;
                            for (int rr = 0; rr < c.H; rr++) {
                                n += rows[e] >= 0 && (e >= size_t(c.Ck) || qCluster[rr][i] == kCluster[rr][rows[e]]);
                            }
                            // The window is one more key set, of non-global keys only.
                            n += rows[e] >= 0 && e < size_t(c.Ck) && in_window(c, i, rows[e]);
                            counts.push_back(n);
                        }
                    }
                    lse[seg * c.Nq + i] = attend(c, b, i, rows, &rout[(seg * c.Nq + i) * c.dv],
                            c.unionRounds ? &counts : nullptr);
                }
            }
        }
        // The local window's round, slot H: the valid, non-global keys within w of the query.
        for (int i = 0; c.window > 0 && i < c.Nq; i++) {
            std::vector<int> rows, counts;
            for (int j = std::max(0, i - c.window); j <= std::min(c.Nk - 1, i + c.window); j++) {
                if (!ksort[j]) continue;
                rows.push_back(j);
                int n = 1;
                for (int rr = 0; rr < c.H; rr++) n += qCluster[rr][i] == kCluster[rr][j];
                counts.push_back(n);
            }
            const size_t at = (size_t(c.H) * c.B + b) * c.Nq + i;
            lse[at] = attend(c, b, i, rows, &rout[at * c.dv], c.unionRounds ? &counts : nullptr);
        }
        std::vector<int> all(c.Nk);
        for (int j = 0; j < c.Nk; j++) all[j] = kv[j] ? j : -1;
        std::vector<double> o(c.dv);
        for (int i = 0; i < c.Nq; i++) {
            if (withDense) {
                attend(c, b, i, all, o.data());
                for (int e = 0; e < c.dv; e++) s.dense[(size_t(b) * c.Nq + i) * c.dv + e] = float(o[e]);
            }
            double top = -inf;
            for (int r = 0; r < R; r++) top = std::max(top, lse[(size_t(r) * c.B + b) * c.Nq + i]);
            if (top == -inf) continue;
            double mass = 0.0;
            for (int r = 0; r < R; r++) mass += std::exp(lse[(size_t(r) * c.B + b) * c.Nq + i] - top);
            double total = top + std::log(mass);
            for (int e = 0; e < c.dv; e++) {
                double sum = 0.0;
                for (int r = 0; r < R; r++) {
                    size_t at = (size_t(r) * c.B + b) * c.Nq + i;
                    sum += std::exp(lse[at] - total) * rout[at * c.dv + e];
                }
                s.out[(size_t(b) * c.Nq + i) * c.dv + e] = float(sum);
            }
        }
    }
    for (size_t i = 0; i < lse.size(); i++) s.roundLse[i] = float(lse[i]);
    for (size_t i = 0; i < rout.size(); i++) s.roundOut[i] = float(rout[i]);
    return s;
}

}  // namespace smyrf::reference

#endif
