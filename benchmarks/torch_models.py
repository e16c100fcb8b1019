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

    if workload == "cifar-cnn":
        return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3),
                             nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
                             nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3),
                             nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
                             nn.Linear(64 * 6 * 6, 512), nn.ReLU(), nn.Dropout(0.5),
                             nn.Linear(512, 10)), "rmsprop", 1e-4
    if workload == "text-cnn":
        class TextCNN(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb, self.drop = nn.Embedding(5000, 50), nn.Dropout(0.2)
                self.conv = nn.Conv1d(50, 250, 3)
                self.fc = nn.Sequential(nn.Linear(250, 250), nn.Dropout(0.2), nn.ReLU(),
                                        nn.Linear(250, 1))

            def forward(self, x):
                h = torch.relu(self.conv(self.drop(self.emb(x)).transpose(1, 2)))
                return self.fc(h.max(dim=2).values)
        return TextCNN(), "adam", 1e-3
    if workload == "resnet-block":
        class Block(nn.Module):
            def __init__(self, w):
                super().__init__()
                self.c1, self.b1 = nn.Conv2d(w, w, 3, padding=1), nn.BatchNorm2d(w, eps=1e-3)
                self.c2, self.b2 = nn.Conv2d(w, w, 3, padding=1), nn.BatchNorm2d(w, eps=1e-3)

            def forward(self, x):
                return torch.relu(x + self.b2(self.c2(torch.relu(self.b1(self.c1(x))))))
        return nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64, eps=1e-3),
                             nn.ReLU(), *[Block(64) for _ in range(4)],
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)), \
            "adam", 1e-3

    class RNNNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(20000, 128)
            self.rnn = (nn.LSTM if workload == "lstm" else nn.GRU)(128, 128, batch_first=True)
            self.fc = nn.Linear(128, 1)

        def forward(self, x):
            _, h = self.rnn(self.emb(x))
            h = h[0] if isinstance(h, tuple) else h
            return self.fc(h[-1])
    return RNNNet(), "adam", 1e-3


def fit_fn(workload, x, y, labels, batch):
    net, opt_name, lr = _net(workload)
    if opt_name == "sgd":
        opt = torch.optim.SGD(net.parameters(), lr=lr)
    elif opt_name == "rmsprop":
        opt = torch.optim.RMSprop(net.parameters(), lr=lr, alpha=0.9, eps=1e-7)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=lr, eps=1e-7)
    if workload in ("lstm", "gru", "text-cnn"):
        xt, yt, loss_fn = torch.from_numpy(x.astype(np.int64)), torch.from_numpy(y), nn.BCEWithLogitsLoss()
    else:
        xx = x.transpose(0, 3, 1, 2).copy() if x.ndim == 4 else x
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


def infer_fn(workload, x, batch):
    """Inference over all of `x` in batches of `batch` (eval mode, no autograd)."""
    net, _, _ = _net(workload)
    net.eval()
    if workload in ("lstm", "gru", "text-cnn"):
        xt = torch.from_numpy(x.astype(np.int64))
    else:
        xt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy() if x.ndim == 4 else x)

    def run():
        with torch.no_grad():
            for i in range(0, len(xt), batch):
                net(xt[i:i + batch])
    return run


def cold_start():
    fit = fit_fn("wide-mlp", *(lambda r: (r.random((128, 784), dtype=np.float32), None,
                                          r.integers(0, 10, 128)))(np.random.default_rng(0)), 128)
    fit(1)
