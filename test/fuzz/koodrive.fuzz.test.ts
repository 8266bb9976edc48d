import { fuzzFile } from '../support/reliability/fuzz-file.ts'
import { koodrive } from '../support/reliability/dialects/koodrive.ts'

fuzzFile(koodrive)
