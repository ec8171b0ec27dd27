// SGFD modules: per-modality deep teachers and shallow students, classifiers shared by the teacher
// and the student of a modality, and the complementary fusion with its own classifier.
import * as G from '../graph/index.ts';
import { type Value } from '../graph/index.ts';
import { Module, MLP, Linear, type Binder, init, type Init } from '../nn/index.ts';
import { type SgfdConfig, teacherWidths } from './config.ts';

export interface ModalitySpec { name: string; dim: number }

/** How a student Linear over `inputDim` raw features starts (default: the Linear's own initialisers). */
export type StudentInit = (inputDim: number) => { weightInit: Init; biasInit: Init };

/** LeakyReLU (optional) then row L2 normalisation: the tail shared by teachers and students. */
export function featureTail(x: Value, cfg: SgfdConfig): Value {
  return G.l2Normalize(cfg.featureActivation ? G.leakyRelu(x, 0.01) : x, -1);
}

export class Teacher extends Module {
  readonly extractors: MLP[];
  readonly fusion: Linear;
  readonly fusedClassifier: Linear;
  constructor(readonly modalities: ModalitySpec[], nClasses: number, readonly cfg: SgfdConfig) {
    super();
    const d = cfg.latentDim;
    this.extractors = modalities.map((m) => new MLP(cfg.shallowTeacher ? [m.dim, d] : teacherWidths(m.dim, d, cfg.delta), {
      activation: cfg.teacherActivation ? 'leaky_relu' : 'none', weightInit: init.xavierUniform(), group: 'sgfd',
    }));
    this.fusion = new Linear(modalities.length * d, d, { group: 'sgfd' });
    this.fusedClassifier = new Linear(d, nClasses, { group: 'sgfd' });
  }
  /** Teacher features f_m^t for each modality's raw rows. */
  features(b: Binder, raw: Value[]): Value[] {
    return raw.map((x, i) => featureTail(this.extractors[i].forward(b, x), this.cfg));
  }
  /** Fused representation f_u = σ(W_u [f_1; …; f_n] + b_u). */
  fuse(b: Binder, feats: Value[]): Value {
    const h = this.fusion.forward(b, feats.length === 1 ? feats[0] : G.concat(feats, 1));
    return this.cfg.fusionActivation === 'relu' ? G.relu(h) : G.leakyRelu(h, 0.01);
  }
}

export class Student extends Module {
  readonly extractors: Linear[];
  constructor(readonly modalities: ModalitySpec[], readonly cfg: SgfdConfig, studentInit?: StudentInit) {
    super();
    this.extractors = modalities.map((m) => new Linear(m.dim, cfg.latentDim, { group: 'sgfd', ...studentInit?.(m.dim) }));
  }
  /** Tailed student features f_m^s (what distillation compares with the teacher). */
  features(b: Binder, raw: Value[]): Value[] {
    return this.outputs(b, raw).distilled;
  }
  /** The tailed features, and what the backbone consumes (`studentOutput`: the same, or the bare Linear). */
  outputs(b: Binder, raw: Value[]): StudentOutputs {
    const linear = raw.map((x, i) => this.extractors[i].forward(b, x));
    const distilled = linear.map((x) => featureTail(x, this.cfg));
    return { distilled, backbone: this.cfg.studentOutput === 'linear' ? linear : distilled };
  }
}

/** The student's tailed features (what distillation compares) and what the backbone consumes. */
export interface StudentOutputs { distilled: Value[]; backbone: Value[] }

/** Teacher, student and the per-modality classifiers C_m they share. */
export class Sgfd extends Module {
  readonly teacher: Teacher;
  readonly student: Student;
  readonly classifiers: Linear[];
  constructor(readonly modalities: ModalitySpec[], readonly nClasses: number, readonly cfg: SgfdConfig, studentInit?: StudentInit) {
    super();
    if (modalities.length === 0) throw new Error('SGFD needs at least one modality');
    if (nClasses < 2) throw new Error(`SGFD needs category labels with ≥ 2 classes, got ${nClasses}`);
    this.teacher = new Teacher(modalities, nClasses, cfg);
    this.student = new Student(modalities, cfg, studentInit);
    this.classifiers = modalities.map(() => new Linear(cfg.latentDim, nClasses, { group: 'sgfd' }));
  }
}
