# A fixture of check_fresh_machine.sh: run by a test (violation/CMakeLists.txt), it imports
# numpy, which install-deps.sh does not install; json comes with python3.
import json
import numpy
print(json.dumps(numpy.zeros(2).tolist()))
