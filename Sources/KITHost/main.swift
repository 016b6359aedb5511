import ArgumentParser
import KITTools
print("kithost")
