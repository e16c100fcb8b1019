"""The same workloads in idiomatic eager PyTorch (for the ratio printed by run.py)."""
import numpy as np
import torch
from torch import nn

torch.set_num_threads(2)


def _net(workload):
    if workload == "seed-mlp":
        return nn.Sequential(nn.Linear(784, 50), nn.Sigmoid(), nn.Linear(50, 20), nn.Sigmoid(),
                             nn.Linear(20, 10)), "sgd", 0.01
    if workload in ("wide-mlp", "predict-latency", "cold-start"):
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                             nn.Linear(512, 10)), "adam", 1e-3
    if workload == "cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128),
                             nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10)), "adam", 1e-3

    class LSTMNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(20000, 128)
            self.lstm = nn.LSTM(128, 128, batch_first=True)
            self.fc = nn.Linear(128, 1)

        def forward(self, x):
            _, (h, _) = self.lstm(self.emb(x))
            return self.fc(h[-1])
    return LSTMNet(), "adam", 1e-3


def fit_fn(workload, x, y, labels, batch):
    net, opt_name, lr = _net(workload)
    opt = (torch.optim.SGD(net.parameters(), lr=lr) if opt_name == "sgd"
           else torch.optim.Adam(net.parameters(), lr=lr, eps=1e-7))
    if workload == "lstm":
        xt, yt, loss_fn = torch.from_numpy(x.astype(np.int64)), torch.from_numpy(y), nn.BCEWithLogitsLoss()
    else:
        xx = x.transpose(0, 3, 1, 2).copy() if workload == "cnn" else x
        xt, yt, loss_fn = torch.from_numpy(xx), torch.from_numpy(labels.astype(np.int64)), nn.CrossEntropyLoss()

    def fit(epochs):
        net.train()
        n = len(xt)
        for _ in range(epochs):
            perm = torch.randperm(n)
            for i in range(0, n, batch):
                idx = perm[i:i + batch]
                loss = loss_fn(net(xt[idx]), yt[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
    return fit


def predict_fn(x):
    net, _, _ = _net("wide-mlp")
    infer = nn.Sequential(net, nn.Softmax(dim=1)).eval()
    xt = torch.from_numpy(x)

    def call():
        with torch.no_grad():
            return infer(xt)
    return call


def cold_start():
    fit = fit_fn("wide-mlp", *(lambda r: (r.random((128, 784), dtype=np.float32), None,
                                          r.integers(0, 10, 128)))(np.random.default_rng(0)), 128)
    fit(1)
