/**
 * Finds a parameter's home: parsing, the canonical spec, sampling and the unit-interval mapping tell
 * the kinds of parameter apart here and nowhere else. (Algorithms still model categorical parameters
 * in their own way: TPE's categorical estimator, the GP's one-hot features, CMA-ES's relaxation.)
 */
import { categoricalHome } from './categorical.ts';
import { constantHome } from './constant.ts';
import type { ParameterHome, TunableHome } from './home.ts';
import { numericHome } from './numeric.ts';
import type { Parameter, TunableParameter } from './parameter.ts';

/** The home of a tunable parameter (numeric or categorical). */
export function tunableHomeOf(param: TunableParameter): TunableHome<TunableParameter> {
  return param.kind === 'categorical' ? categoricalHome : numericHome;
}

/** The home of any parameter. */
export function homeOf(param: Parameter): ParameterHome<Parameter> {
  return param.kind === 'constant' ? constantHome : tunableHomeOf(param);
}
