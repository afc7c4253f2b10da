// Command bundle-validate runs OLM's default bundle validators plus the OperatorHub and object
// validators on a bundle directory, prints every error and warning, and exits 1 on any error.
// OperatorHub's checks are the v2 validator with the standard capabilities and categories ones,
// which is what the deprecated "operatorhub" validator says to use instead.
//
//	bundle-validate [-k8s-version 1.37] DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/operator-framework/api/pkg/manifests"
	"github.com/operator-framework/api/pkg/validation"
)

func main() {
	k8sVersion := flag.String("k8s-version", "", "Kubernetes version the bundle targets (checks removed APIs)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: bundle-validate [-k8s-version X.Y] BUNDLE_DIR")
		os.Exit(2)
	}
	bundle, err := manifests.GetBundleFromDir(flag.Arg(0))
	if err != nil || bundle == nil {
		fmt.Fprintf(os.Stderr, "ERROR cannot read bundle from %s: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}
	validators := validation.DefaultBundleValidators.WithValidators(
		validation.OperatorHubV2Validator, validation.StandardCapabilitiesValidator,
		validation.StandardCategoriesValidator, validation.ObjectValidator)
	objects := append(bundle.ObjectsToValidate(), map[string]string{"k8s-version": *k8sVersion})
	errorsFound := 0
	for _, result := range validators.Validate(objects...) {
		for _, e := range result.Errors {
			fmt.Printf("ERROR %s\n", e.Error())
			errorsFound++
		}
		for _, w := range result.Warnings {
			fmt.Printf("WARN %s\n", w.Error())
		}
	}
	if errorsFound > 0 {
		fmt.Printf("%d error(s)\n", errorsFound)
		os.Exit(1)
	}
	fmt.Println("bundle valid")
}
