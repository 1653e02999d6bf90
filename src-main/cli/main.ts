import { z } from 'zod'; console.log('cli', z.string().parse('x'));
