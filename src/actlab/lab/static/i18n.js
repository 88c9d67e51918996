// The lab's words in English and Korean (the glossary of ../shared/KOREAN.md: 활성화 함수,
// 기울기, 기울기 소실, 로짓, 손실 함수, 은닉층 ...).  t(key) reads the current language.
export const STRINGS = {
  en: {
    title: "actlab lab", subtitle: "Activation functions you can touch — every number computed by actlab",
    lang: "한국어", share: "Share link", copy: "Copy", error: "Error",
    inspector: "Inspector", activation: "Activation", params: "Parameters", x: "x",
    value: "f(x)", grad: "f′(x)", grad2: "f″(x)",
    inspect_help: "f, f′ and f″ from actlab; move the mouse over the chart to read the values.",
    tail: "The tail of f′ on a log axis", tail_help: "actlab computes f′ exactly even where it is tiny; the textbook formula {formula} rounds to 0 once the value underflows its parts.",
    tail_none: "No textbook formula to compare for this activation: the line is actlab's |f′(x)|.",
    actlab_line: "actlab", textbook_line: "textbook formula",
    playground: "Playground", data: "Data", dataset: "Data set", noise: "Noise", train_share: "Training share",
    points: "Points", seed: "Seed", upload: "Upload CSV (x1, x2, label; ≤ 1 MB)", uploaded: "uploaded CSV",
    network: "Network", depth: "Hidden layers", width: "Units per layer", layer: "Layer {i}",
    init: "Initialisation", init_std: "std", training: "Training", optimizer: "Optimizer", lr: "Learning rate",
    batch: "Batch size", l2: "L2", start: "Train", pause: "Pause", step: "Step", reset: "Reset",
    steps: "Updates", train_loss: "Training loss", test_loss: "Test loss",
    head: "Output layer {output} + {loss} (chosen by the recommender from the labels)",
    layers_help: "dead: share of units whose slope f′ is 0 for every training point; saturated: share of entries where |f′| is below 1% of its largest value (almost no gradient passes).",
    boundary: "Decision boundary", loss_curve: "Loss", grad_norms: "Gradient norm per layer (log axis)",
    grad_help: "‖∂loss/∂W‖ of each weight layer, input side first; dashed: 0.25^(L−l), the slope-only envelope of stacked sigmoids.",
    layers_table: "Per layer", col_layer: "layer", col_act: "activation", col_grad: "‖∂W‖", col_dead: "dead",
    col_sat: "saturated", output_layer: "output",
    hist: "Activation values per layer", sweep: "Depth sweep", sweep_run: "Run the depth sweep",
    sweep_help: "One backward pass per depth 1–8 (same data and init): the first layer's gradient norm divided by the last hidden layer's. Dotted: 0.25^(L−1), what sigmoid's slopes alone allow.",
    export: "Export", export_torch: "PyTorch code (with the trained weights)", export_actlab: "actlab code",
    download: "Download the actlab checkpoint (nn.save)", export_run: "Export the trained network",
    init_xavier: "Xavier", init_he: "He", init_normal: "Normal",
    opt_sgd: "SGD", opt_momentum: "SGD + momentum", opt_adam: "Adam",
    ds_circle: "circle", ds_xor: "xor", ds_gauss: "gauss", ds_spiral: "spiral", ds_moons: "moons", ds_upload: "uploaded CSV",
    connecting: "connecting…", disconnected: "Connection to the lab server lost — is `actlab lab` still running?",
    too_big: "The file is larger than 1 MB.",
    bad_link: "The share link is damaged: the default configuration is shown instead.",
    bad_x: "x must be a finite number, got {x}.", depth_axis: "depth",
  },
  ko: {
    title: "actlab 실험실", subtitle: "직접 만져 보는 활성화 함수 — 모든 숫자는 actlab이 계산합니다",
    lang: "English", share: "공유 링크", copy: "복사", error: "오류",
    inspector: "함수 살펴보기", activation: "활성화 함수", params: "매개변수", x: "x",
    value: "f(x)", grad: "f′(x)", grad2: "f″(x)",
    inspect_help: "f, f′, f″는 actlab이 계산한 값입니다. 그래프 위에 마우스를 올리면 값을 읽을 수 있습니다.",
    tail: "로그 축으로 본 f′의 꼬리", tail_help: "actlab은 f′가 아주 작은 곳에서도 정확하게 계산합니다. 교과서 식 {formula}는 계산 중간값이 반올림되는 순간 0이 됩니다.",
    tail_none: "이 활성화 함수는 비교할 교과서 식이 없어 actlab의 |f′(x)|만 그렸습니다.",
    actlab_line: "actlab", textbook_line: "교과서 식",
    playground: "신경망 놀이터", data: "데이터", dataset: "데이터셋", noise: "잡음", train_share: "학습용 비율",
    points: "점 개수", seed: "난수 시드", upload: "CSV 올리기 (x1, x2, 레이블; 1 MB 이하)", uploaded: "올린 CSV",
    network: "신경망", depth: "은닉층 수", width: "층마다 유닛 수", layer: "{i}번 층",
    init: "가중치 초깃값", init_std: "표준편차", training: "학습", optimizer: "옵티마이저", lr: "학습률",
    batch: "배치 크기", l2: "L2 규제", start: "학습 시작", pause: "일시 정지", step: "한 단계", reset: "처음부터",
    steps: "업데이트 횟수", train_loss: "학습 손실", test_loss: "테스트 손실",
    head: "출력층 구성(헤드): {output} + {loss} (레이블을 보고 추천 기능이 골랐습니다)",
    layers_help: "죽은 유닛: 모든 학습 데이터에서 미분값 f′가 0인 유닛의 비율입니다. 포화: |f′|가 최대 미분값의 1%보다 작아 기울기를 거의 전달하지 못하는 값의 비율입니다.",
    boundary: "결정 경계", loss_curve: "손실", grad_norms: "층별 기울기 크기 (로그 축)",
    grad_help: "가중치 층마다 ‖∂loss/∂W‖를 입력 쪽부터 그렸습니다. 파선은 시그모이드를 쌓았을 때 미분값만 곱한 상한 0.25^(L−l)입니다.",
    layers_table: "층별 값", col_layer: "층", col_act: "활성화 함수", col_grad: "‖∂W‖", col_dead: "죽은 유닛",
    col_sat: "포화", output_layer: "출력층",
    hist: "층별 활성화 값 분포", sweep: "깊이별 기울기 소실", sweep_run: "깊이 바꿔 보기 실행",
    sweep_help: "깊이 1–8마다 역전파를 한 번 하고(데이터와 초깃값은 같음) 첫 층의 기울기 크기를 마지막 은닉층의 기울기 크기로 나눈 값입니다. 점선: 시그모이드의 미분값만 곱했을 때의 상한 0.25^(L−1).",
    export: "내보내기", export_torch: "PyTorch 코드 (학습한 가중치 포함)", export_actlab: "actlab 코드",
    download: "actlab 체크포인트 내려받기 (nn.save)", export_run: "학습한 신경망 내보내기",
    init_xavier: "Xavier", init_he: "He", init_normal: "정규분포",
    opt_sgd: "SGD", opt_momentum: "SGD + 모멘텀", opt_adam: "Adam",
    ds_circle: "원", ds_xor: "XOR", ds_gauss: "가우스", ds_spiral: "나선", ds_moons: "초승달", ds_upload: "올린 CSV",
    connecting: "연결하는 중…", disconnected: "실험실 서버와 연결이 끊겼습니다. `actlab lab`이 아직 실행 중인지 확인하세요.",
    too_big: "파일이 1 MB보다 큽니다.",
    bad_link: "공유 링크가 손상되어 기본 설정을 보여 줍니다.",
    bad_x: "x에는 유한한 숫자를 넣어야 합니다. 입력한 값: {x}", depth_axis: "깊이",
  },
};

let current = "en";

export function setLang(lang) { current = STRINGS[lang] ? lang : "en"; }
export function lang() { return current; }

export function t(key, vars = {}) {
  let s = (STRINGS[current][key] ?? STRINGS.en[key] ?? key);
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, v);
  return s;
}
