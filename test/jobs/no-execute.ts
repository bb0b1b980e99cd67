// A job module that builds a pipeline and forgets to run it.
import { StreamExecutionEnvironment } from 'weir';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.fromElements(1, 2, 3).print();
